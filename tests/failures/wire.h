// Client-side bytes for the failure cases: requests and frames to send, and strict checks of
// what came back, for HTTP, WebSocket and the two framing protocols.
//
// Two kinds of reader live here. The read_* functions pull one reply from a live
// TestConnection (used by the well-behaved clients). The check_* functions judge a whole
// transcript, everything one connection received until the server closed it (used for the
// storm and slowloris connections, which a ConnectionSwarm drives): they return an empty
// string when the transcript is exactly what the contract says, otherwise what is wrong.
//
// Replies are parsed with the suite's own client-side parsers (ResponseParser, FrameDecoder in
// the client role), which the protocol tests and fuzzers already hold to the RFCs.
//
// Thread-safety: free functions over their arguments; safe from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/http/response_parser.h"
#include "protocols/websocket/frame.h"
#include "servers/testing/test_connection.h"

namespace archbench::failures {

using testing::TestConnection;

// The body of GET /bytes?n=N: 'a'..'z' repeated (protocols/http/application.cc).
std::string bytes_pattern(std::size_t n);

// Deterministic binary bytes (every value 0..255 occurs), different per seed.
std::string binary_pattern(std::size_t n, std::uint32_t seed);

// "GET <target> HTTP/1.1" with a Host header and `extra_headers` (each ending in "\r\n").
std::string http_get(std::string_view target, std::string_view extra_headers = {});
std::string http_post(std::string_view target, std::string_view body);

// Reads one Content-Length-framed response (every archbench reply is one). nullopt when it is
// malformed, cut short or late; `error` then says which.
std::optional<http::ParsedResponse> read_http_response(TestConnection& connection,
                                                       std::chrono::milliseconds timeout,
                                                       std::string& error);

// Sends `request` and checks the reply: `status`, and `body` when given. Empty when good.
std::string http_exchange(TestConnection& connection, std::string_view request, int status,
                          std::optional<std::string_view> body, std::chrono::milliseconds timeout);

// Ends the connection with RST instead of FIN: SO_LINGER {on, 0 s}, then close().
void reset_connection(TestConnection& connection);

// A length-protocol frame: 4-byte big-endian length, then the body.
std::string length_frame(std::string_view body);
// A 4-byte length header with any value (for lengths over the limit).
std::string length_header(std::uint32_t length);

// WebSocket client side. Every client frame is masked with a fixed key; `first_byte` lets a
// case build frames the encoder refuses (RSV bits, reserved opcodes).
inline constexpr std::string_view kWebSocketKey = "dGhlIHNhbXBsZSBub25jZQ==";  // RFC 6455 1.3
std::string websocket_handshake(std::string_view extra_headers = {},
                                std::string_view version = "13",
                                std::string_view key = kWebSocketKey);
std::string masked_frame(websocket::Opcode opcode, std::string_view payload, bool fin = true);
std::string raw_masked_frame(std::uint8_t first_byte, std::string_view payload);
std::string unmasked_frame(websocket::Opcode opcode, std::string_view payload);
// The header of a masked frame that announces `length` payload bytes (none follow).
std::string masked_frame_header(websocket::Opcode opcode, std::uint64_t length);

// Sends the handshake and checks the 101 (Accept value included). Empty when good.
std::string open_websocket(TestConnection& connection, std::chrono::milliseconds timeout);

// Reads one complete data or control frame from the server. nullopt + `error` when the
// bytes are not a valid server frame or do not arrive in time.
struct ServerFrame {
  websocket::Opcode opcode = websocket::Opcode::kContinuation;
  std::string payload;
};
std::optional<ServerFrame> read_websocket_frame(TestConnection& connection,
                                                std::chrono::milliseconds timeout,
                                                std::string& error);

// --- transcripts: everything a connection received before the server closed it ---

// Parses the response at the front of `transcript`; `used` is then its length. Empty when it is
// a complete, well-formed response. `to_head`: it answers a HEAD request (so it has no body).
std::string parse_first_response(std::string_view transcript, http::ParsedResponse& response,
                                 std::size_t& used, bool to_head = false);

// Exactly one HTTP response with `status` and `Connection: close`, nothing after it.
std::string check_http_refusal(std::string_view transcript, int status, bool to_head = false);

// A 101 handshake reply, then `echoes` (server frames the case expects first, encoded as the
// server sends them), then one Close frame with `close_code`, and nothing after it.
std::string check_websocket_failure(std::string_view transcript, std::string_view echoes,
                                    std::uint16_t close_code);

// The transcript is exactly `expected` (a framing protocol's echoes before the close).
std::string check_exact(std::string_view transcript, std::string_view expected);

// Printable form of bytes for failure messages, at most `limit` characters.
std::string printable(std::string_view bytes, std::size_t limit = 120);

}  // namespace archbench::failures
