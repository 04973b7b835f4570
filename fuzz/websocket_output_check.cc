#include "fuzz/websocket_output_check.h"

#include <limits>

#include "fuzz/check.h"
#include "fuzz/utf8_reference.h"
#include "protocols/websocket/close_codes.h"
#include "protocols/websocket/frame.h"

namespace archbench::fuzz {
namespace {

using websocket::Opcode;

std::string describe(std::uint8_t opcode, std::string_view payload) {
  return "opcode " + std::to_string(opcode) + " payload " + shown(payload, 48);
}

std::uint16_t close_code_of(std::string_view payload) {
  if (payload.size() < 2) return 0;
  return static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                    static_cast<unsigned char>(payload[1]));
}

}  // namespace

std::vector<ServerFrame> decode_server_frames(std::string_view bytes) {
  std::vector<ServerFrame> frames;
  websocket::FrameDecoder decoder(websocket::Role::kClient,
                                  std::numeric_limits<std::size_t>::max());
  bool closed = false;
  while (!bytes.empty()) {
    FUZZ_CHECK(!closed, "the server sent bytes after its Close frame: " + shown(bytes, 48));
    const websocket::DecodeStatus status = decoder.decode(bytes);
    FUZZ_CHECK(status != websocket::DecodeStatus::kError,
               "the server sent a frame a client must refuse: " + decoder.error().reason);
    FUZZ_CHECK(status == websocket::DecodeStatus::kFrame, "the server's last frame is truncated");
    const websocket::Frame& frame = decoder.frame();
    const auto opcode = static_cast<std::uint8_t>(frame.opcode);
    FUZZ_CHECK(frame.fin, "the server fragmented a message: " + describe(opcode, frame.payload));
    if (frame.opcode == Opcode::kText) {
      FUZZ_CHECK(reference_scan_utf8(frame.payload).valid(),
                 "the server sent invalid UTF-8 in a text frame: " + shown(frame.payload, 48));
    }
    if (frame.opcode == Opcode::kClose) {
      FUZZ_CHECK(frame.payload.size() >= 2, "the server's Close frame has no status code");
      FUZZ_CHECK(websocket::is_valid_close_code(close_code_of(frame.payload)),
                 "the server sent close code " + std::to_string(close_code_of(frame.payload)));
      FUZZ_CHECK(reference_scan_utf8(frame.payload.substr(2)).valid(),
                 "the server's close reason is not UTF-8");
      closed = true;
    }
    frames.push_back({opcode, std::string(frame.payload)});
  }
  return frames;
}

void expect_server(std::string_view frames_bytes, const std::vector<std::string>& broadcasts,
                   const ExpectedServer& expected) {
  const std::vector<ServerFrame> direct = decode_server_frames(frames_bytes);
  std::vector<ServerFrame> group;
  for (const std::string& encoded : broadcasts) {
    std::vector<ServerFrame> one = decode_server_frames(encoded);
    FUZZ_CHECK(one.size() == 1, "a broadcast must hold exactly one frame");
    group.push_back(std::move(one.front()));
  }
  std::size_t d = 0, g = 0;
  for (const ExpectedServerFrame& want : expected.frames) {
    const std::vector<ServerFrame>& source = want.broadcast ? group : direct;
    std::size_t& at = want.broadcast ? g : d;
    const std::string where = std::string(want.broadcast ? "broadcast" : "direct") + " frame " +
                              std::to_string(at);
    FUZZ_CHECK(at < source.size(), where + " is missing; expected " +
                                       describe(want.opcode, want.payload) + " code " +
                                       std::to_string(want.code));
    const ServerFrame& got = source[at++];
    FUZZ_CHECK(got.opcode == want.opcode, where + ": got " + describe(got.opcode, got.payload) +
                                              ", expected " + describe(want.opcode, want.payload) +
                                              " code " + std::to_string(want.code));
    if (want.opcode == static_cast<std::uint8_t>(Opcode::kClose)) {
      FUZZ_CHECK(close_code_of(got.payload) == want.code,
                 where + ": close code " + std::to_string(close_code_of(got.payload)) +
                     ", expected " + std::to_string(want.code) + " (reason " +
                     shown(std::string_view(got.payload).substr(2)) + ")");
    } else {
      FUZZ_CHECK(got.payload == want.payload, where + ": payload " + shown(got.payload, 48) +
                                                  ", expected " + shown(want.payload, 48));
    }
  }
  FUZZ_CHECK(d == direct.size(), "the server sent " + std::to_string(direct.size() - d) +
                                     " unexpected frame(s), first " +
                                     (d < direct.size() ? describe(direct[d].opcode, direct[d].payload) : ""));
  FUZZ_CHECK(g == group.size(), "unexpected broadcast frame(s)");
}

}  // namespace archbench::fuzz
