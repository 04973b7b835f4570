#include "protocols/websocket/test_peer.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace archbench::websocket::testing {

std::string client_frame(Opcode opcode, std::string_view payload, bool fin) {
  return encode_frame(opcode, payload, fin, kTestKey);
}

std::string raw_frame(std::uint8_t first_byte, std::string_view payload, bool masked) {
  // Encode a well-formed frame, then overwrite its first byte.
  std::string frame = masked ? encode_frame(Opcode::kBinary, payload, true, kTestKey)
                             : encode_frame(Opcode::kBinary, payload, true);
  frame[0] = static_cast<char>(first_byte);
  return frame;
}

std::string fragmented(Opcode opcode, std::string_view payload, std::size_t piece) {
  std::string out;
  if (payload.empty()) return client_frame(opcode, payload, true);
  for (std::size_t pos = 0; pos < payload.size(); pos += piece) {
    const bool last = pos + piece >= payload.size();
    out += client_frame(pos == 0 ? opcode : Opcode::kContinuation, payload.substr(pos, piece),
                        last);
  }
  return out;
}

std::vector<ServerFrame> server_frames(std::string_view bytes) {
  // Control frames and fragments are reported one by one, so the decoder's message rules do
  // not get in the way; the limit is large because the server echoes whole messages.
  FrameDecoder decoder(Role::kClient, std::size_t{1} << 30);
  std::vector<ServerFrame> frames;
  while (!bytes.empty()) {
    const DecodeStatus status = decoder.decode(bytes);
    if (status == DecodeStatus::kError) {
      ADD_FAILURE() << "server sent a bad frame: " << decoder.error().reason;
      break;
    }
    if (status == DecodeStatus::kNeedMore) {
      ADD_FAILURE() << "server output ends inside a frame";
      break;
    }
    const Frame& f = decoder.frame();
    frames.push_back({f.opcode, f.fin, std::string(f.payload)});
  }
  return frames;
}

std::uint16_t close_code(const ServerFrame& frame) {
  if (frame.payload.size() < 2) return 0;
  return static_cast<std::uint16_t>((static_cast<unsigned char>(frame.payload[0]) << 8) |
                                    static_cast<unsigned char>(frame.payload[1]));
}

namespace {

void feed_one(Session& session, std::string_view piece, Collected& c) {
  SessionOutput out;
  session.on_bytes(piece, Now{}, out);
  ++c.calls;
  c.bytes += out.bytes;
  c.close = c.close || out.close;
  if (!out.log.empty()) c.log += out.log + "\n";
  for (std::string& b : out.broadcasts) c.broadcasts.push_back(std::move(b));
}

}  // namespace

Collected feed(Session& session, std::string_view data, std::size_t piece) {
  Collected c;
  if (piece == 0) piece = std::max<std::size_t>(data.size(), 1);
  for (std::size_t pos = 0; pos < data.size(); pos += piece) {
    feed_one(session, data.substr(pos, piece), c);
  }
  return c;
}

Collected feed_pieces(Session& session, const std::vector<std::string_view>& pieces) {
  Collected c;
  for (std::string_view p : pieces) feed_one(session, p, c);
  return c;
}

ProtocolConfig test_config(std::size_t max_message) {
  ProtocolConfig config;
  config.package_max_length = max_message;
  return config;
}

std::string payload_of(Opcode opcode, std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    s[i] = opcode == Opcode::kText ? static_cast<char>('a' + i % 26)
                                   : static_cast<char>((i * 7 + 3) & 0xFF);
  }
  return s;
}

}  // namespace archbench::websocket::testing
