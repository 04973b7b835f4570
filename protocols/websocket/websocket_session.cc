#include "protocols/websocket/websocket_session.h"

#include "protocols/websocket/close_codes.h"
#include "protocols/websocket/handshake.h"

namespace archbench::websocket {
namespace {

constexpr std::size_t kKeptCapacity = 64 * 1024;

}  // namespace

WebSocketSession::WebSocketSession(const ProtocolConfig& config, bool broadcast)
    : decoder_(Role::kServer, config.websocket_max_message()), broadcast_(broadcast) {}

void WebSocketSession::on_bytes(std::string_view data, const Now& now, SessionOutput& out) {
  while (!closed_) {
    const DecodeStatus status = decoder_.decode(data);
    if (status == DecodeStatus::kError) {
      fail(decoder_.error().close_code, decoder_.error().reason, out);
      return;
    }
    if (status == DecodeStatus::kNeedMore) {
      // Fail fast inside a frame too: a text frame that arrives in pieces is validated piece by
      // piece, so invalid UTF-8 is refused when the bytes that make it invalid arrive.
      const Frame* partial = decoder_.partial();
      if (partial != nullptr && !check_text(*partial, false)) {
        fail(kCloseInvalidPayload, "invalid UTF-8 in a text message", out);
      }
      return;
    }
    if (!on_frame(decoder_.frame(), out)) return;
    if (data.empty()) return;
  }
}

bool WebSocketSession::check_text(const Frame& frame, bool frame_complete) {
  if (is_control(frame.opcode) || frame.message_opcode != Opcode::kText) return true;
  if (frame.message_start && validated_ == 0) utf8_.reset();
  if (!utf8_.feed(frame.payload.substr(validated_))) return false;
  validated_ = frame_complete ? 0 : frame.payload.size();
  // At the end of the message no code point may be left half-read.
  return !(frame_complete && frame.fin) || utf8_.complete();
}

bool WebSocketSession::on_frame(const Frame& frame, SessionOutput& out) {
  switch (frame.opcode) {
    case Opcode::kPing:
      // Answered at once, even in the middle of a fragmented message (RFC 6455 5.4, 5.5.2).
      append_frame(out.bytes, Opcode::kPong, frame.payload);
      return true;
    case Opcode::kPong:
      return true;  // unsolicited pongs are allowed and mean nothing (5.5.3)
    case Opcode::kClose: {
      const CloseInfo info = parse_close_payload(frame.payload);
      if (info.error != 0) {
        fail(info.error, info.error_text, out);
        return false;
      }
      const std::uint16_t code = info.has_code ? info.code : kCloseNormal;
      append_frame(out.bytes, Opcode::kClose, close_payload(code));
      out.close = true;
      closed_ = true;
      return false;
    }
    default:
      break;
  }
  // A data frame: text, binary or continuation.
  if (!check_text(frame, true)) {
    fail(kCloseInvalidPayload, "invalid UTF-8 in a text message", out);
    return false;
  }
  if (frame.fin && frame.message_start) {
    deliver(frame.message_opcode, frame.payload, out);  // unfragmented: no copy into message_
  } else {
    message_.append(frame.payload);
    if (frame.fin) {
      deliver(frame.message_opcode, message_, out);
      // Give a large reassembly buffer back rather than keep it for the connection's lifetime.
      if (message_.capacity() > kKeptCapacity) {
        std::string().swap(message_);
      } else {
        message_.clear();
      }
    }
  }
  return true;
}

void WebSocketSession::deliver(Opcode opcode, std::string_view message, SessionOutput& out) {
  if (broadcast_) {
    out.broadcasts.push_back(encode_frame(opcode, message));
  } else {
    append_frame(out.bytes, opcode, message);
  }
}

void WebSocketSession::fail(std::uint16_t code, std::string_view reason, SessionOutput& out) {
  append_frame(out.bytes, Opcode::kClose, close_payload(code, reason));
  out.close = true;
  out.log = "websocket: failing connection with " + std::to_string(code) + ": " +
            std::string(reason);
  closed_ = true;
  message_.clear();
}

void WebSocketSession::on_peer_closed(const Now& now, SessionOutput& out) {
  closed_ = true;
  out.close = true;
}

std::string_view WebSocketSession::broadcast_group() const {
  return broadcast_ ? kBroadcastPath : std::string_view{};
}

void WebSocketSession::on_broadcast(std::string_view encoded, SessionOutput& out) {
  if (!closed_) out.bytes.append(encoded);
}

}  // namespace archbench::websocket
