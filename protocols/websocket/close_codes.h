// WebSocket close status codes (RFC 6455 7.4) and the Close frame's payload.
//
// Thread-safety: constants and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace archbench::websocket {

inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseGoingAway = 1001;
inline constexpr std::uint16_t kCloseProtocolError = 1002;
inline constexpr std::uint16_t kCloseUnsupportedData = 1003;
inline constexpr std::uint16_t kCloseNoStatus = 1005;   // never on the wire
inline constexpr std::uint16_t kCloseAbnormal = 1006;   // never on the wire
inline constexpr std::uint16_t kCloseInvalidPayload = 1007;
inline constexpr std::uint16_t kClosePolicyViolation = 1008;
inline constexpr std::uint16_t kCloseMessageTooBig = 1009;
inline constexpr std::uint16_t kCloseMandatoryExtension = 1010;
inline constexpr std::uint16_t kCloseInternalError = 1011;

// A control frame carries at most 125 bytes, two of which are the code (RFC 6455 5.5).
inline constexpr std::size_t kMaxCloseReason = 123;

// Whether a peer may send this code in a Close frame: 1000-1003, 1007-1011 (the defined ones
// that are not reserved for local use) and 3000-4999 (registered and private). Everything else
// (0-999, 1004-1006, 1012-2999 as not yet assigned here, 5000+) is a protocol error.
// Trade-off: 1012-1014 were registered by IANA after RFC 6455; like Autobahn's strict profile
// we accept only the RFC's list plus 3000-4999.
bool is_valid_close_code(std::uint16_t code);

// What a received Close frame said.
struct CloseInfo {
  // False when the payload was empty (no status code: RFC 6455 calls that 1005).
  bool has_code = false;
  std::uint16_t code = kCloseNoStatus;
  std::string_view reason;  // a view into the payload given to parse_close_payload
  // 0 when the payload is well formed; otherwise the code to fail the connection with:
  // 1002 for a 1-byte payload, an invalid code or a reason over 123 bytes, 1007 when the
  // reason is not UTF-8.
  std::uint16_t error = 0;
  std::string_view error_text;  // for the log line, static storage
};

CloseInfo parse_close_payload(std::string_view payload);

// The payload of a Close frame we send: the code big-endian, then the reason, cut to 123 bytes
// (callers pass ASCII reasons, so the cut cannot split a code point).
std::string close_payload(std::uint16_t code, std::string_view reason = {});

}  // namespace archbench::websocket
