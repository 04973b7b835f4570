#include "protocols/websocket/close_codes.h"

#include "protocols/websocket/utf8.h"

namespace archbench::websocket {

bool is_valid_close_code(std::uint16_t code) {
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1011) return true;
  return code >= 3000 && code <= 4999;
}

CloseInfo parse_close_payload(std::string_view payload) {
  CloseInfo info;
  if (payload.empty()) return info;
  if (payload.size() == 1) {
    info.error = kCloseProtocolError;
    info.error_text = "close frame with a 1-byte payload";
    return info;
  }
  info.has_code = true;
  info.code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                         static_cast<unsigned char>(payload[1]));
  info.reason = payload.substr(2);
  if (!is_valid_close_code(info.code)) {
    info.error = kCloseProtocolError;
    info.error_text = "close frame with an invalid status code";
  } else if (info.reason.size() > kMaxCloseReason) {
    // Cannot happen through FrameDecoder (control payloads are <= 125 bytes) but this function
    // stands on its own.
    info.error = kCloseProtocolError;
    info.error_text = "close reason over 123 bytes";
  } else if (!is_valid_utf8(info.reason)) {
    info.error = kCloseInvalidPayload;
    info.error_text = "close reason is not valid UTF-8";
  }
  return info;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  if (reason.size() > kMaxCloseReason) reason = reason.substr(0, kMaxCloseReason);
  std::string out;
  out.reserve(2 + reason.size());
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xFF));
  out.append(reason);
  return out;
}

}  // namespace archbench::websocket
