#include "fuzz/websocket_reference.h"

#include "fuzz/utf8_reference.h"

namespace archbench::fuzz {
namespace {

constexpr std::uint8_t kContinuation = 0x0, kText = 0x1, kBinary = 0x2, kClose = 0x8,
                       kPing = 0x9, kPong = 0xA;

bool is_control(std::uint8_t opcode) { return opcode >= 0x8; }

std::uint8_t byte_at(std::string_view bytes, std::size_t i) {
  return static_cast<std::uint8_t>(bytes[i]);
}

// RFC 6455 7.4.1 plus 3000-4999, as close_codes.h documents.
bool valid_close_code(unsigned code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
         (code >= 3000 && code <= 4999);
}

}  // namespace

ReferenceDecode reference_decode(std::string_view bytes, websocket::Role role,
                                 std::size_t max_message) {
  ReferenceDecode result;
  bool in_message = false;
  std::uint8_t message_opcode = kText;
  std::uint64_t message_size = 0;
  std::size_t at = 0;
  while (at + 2 <= bytes.size()) {
    const std::uint8_t b0 = byte_at(bytes, at), b1 = byte_at(bytes, at + 1);
    const std::uint8_t opcode = b0 & 0x0F;
    const bool fin = (b0 & 0x80) != 0;
    const bool masked = (b1 & 0x80) != 0;
    const unsigned len7 = b1 & 0x7F;
    const bool known = opcode <= kBinary || (opcode >= kClose && opcode <= kPong);
    if ((b0 & 0x70) != 0 || !known) return result.error_code = 1002, result;
    if (masked != (role == websocket::Role::kServer)) return result.error_code = 1002, result;
    if (is_control(opcode) && (!fin || len7 > 125)) return result.error_code = 1002, result;
    if (!is_control(opcode) && (opcode == kContinuation) != in_message) {
      return result.error_code = 1002, result;
    }
    const std::size_t length_bytes = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
    const std::size_t header = 2 + length_bytes + (masked ? 4 : 0);
    if (at + header > bytes.size()) return result;  // header incomplete
    std::uint64_t length = len7;
    if (length_bytes != 0) {
      length = 0;
      for (std::size_t i = 0; i < length_bytes; ++i) length = length * 256 + byte_at(bytes, at + 2 + i);
    }
    if (length >= (std::uint64_t{1} << 63)) return result.error_code = 1002, result;
    if (!is_control(opcode)) {
      const std::uint64_t before = opcode == kContinuation ? message_size : 0;
      if (length > max_message || before + length > max_message) {
        return result.error_code = 1009, result;
      }
    }
    ReferenceFrame frame;
    frame.opcode = opcode;
    frame.fin = fin;
    frame.message_start = opcode == kText || opcode == kBinary;
    frame.message_opcode = is_control(opcode) ? opcode : frame.message_start ? opcode : message_opcode;
    const std::size_t payload_at = at + header;
    const std::size_t available = bytes.size() - payload_at;
    const std::size_t have = length < available ? static_cast<std::size_t>(length) : available;
    for (std::size_t i = 0; i < have; ++i) {
      std::uint8_t c = byte_at(bytes, payload_at + i);
      if (masked) c ^= byte_at(bytes, at + 2 + length_bytes + i % 4);
      frame.payload.push_back(static_cast<char>(c));
    }
    if (have < length) {
      result.partial = std::move(frame);
      return result;
    }
    if (!is_control(opcode)) {
      if (frame.message_start) message_opcode = opcode, message_size = 0;
      in_message = !fin;
      message_size = fin ? 0 : message_size + length;
    }
    result.frames.push_back(std::move(frame));
    at = payload_at + have;
  }
  return result;
}

ExpectedServer reference_echo_server(std::string_view client_bytes, std::size_t max_message,
                                     bool broadcast) {
  ExpectedServer server;
  const auto fail = [&](std::uint16_t code) {
    server.frames.push_back({kClose, "", code, false});
    server.closed = true;
    return server;
  };
  const ReferenceDecode decoded =
      reference_decode(client_bytes, websocket::Role::kServer, max_message);
  std::string message;  // the open data message, fragments so far
  for (const ReferenceFrame& frame : decoded.frames) {
    if (frame.opcode == kPing) {
      server.frames.push_back({kPong, frame.payload, 0, false});
      continue;
    }
    if (frame.opcode == kPong) continue;
    if (frame.opcode == kClose) {
      const std::string& p = frame.payload;
      if (p.empty()) {
        server.frames.push_back({kClose, "", 1000, false});
        server.closed = true;
        return server;
      }
      if (p.size() == 1) return fail(1002);
      const unsigned code = (byte_at(p, 0) << 8) | byte_at(p, 1);
      if (!valid_close_code(code)) return fail(1002);
      if (!reference_scan_utf8(std::string_view(p).substr(2)).valid()) return fail(1007);
      server.frames.push_back({kClose, "", static_cast<std::uint16_t>(code), false});
      server.closed = true;
      return server;
    }
    message += frame.payload;
    if (frame.message_opcode == kText) {
      const Utf8Scan scan = reference_scan_utf8(message);
      if (scan.first_bad != Utf8Scan::kNone || (frame.fin && scan.truncated)) return fail(1007);
    }
    if (frame.fin) {
      server.frames.push_back({frame.message_opcode, message, 0, broadcast});
      message.clear();
    }
  }
  if (decoded.error_code != 0) return fail(decoded.error_code);
  if (decoded.partial && !is_control(decoded.partial->opcode) &&
      decoded.partial->message_opcode == kText) {
    // Fail fast inside a frame: the bytes of the partial payload are checked as they arrive.
    if (reference_scan_utf8(message + decoded.partial->payload).first_bad != Utf8Scan::kNone) {
      return fail(1007);
    }
  }
  return server;
}

}  // namespace archbench::fuzz
