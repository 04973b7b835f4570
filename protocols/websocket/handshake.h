// The opening handshake (RFC 6455 4): the server's judgement of an upgrade request, and the
// client's request and check of the 101 answer (for the load and conformance clients).
//
// Thread-safety: pure functions over their arguments.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/http/request.h"
#include "protocols/session.h"

namespace archbench::websocket {

inline constexpr std::string_view kHandshakeGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
inline constexpr std::string_view kBroadcastPath = "/broadcast";

// base64(SHA-1(key + GUID)): the Sec-WebSocket-Accept value for a Sec-WebSocket-Key.
std::string compute_accept(std::string_view key);

// Whether key is the base64 encoding of exactly 16 bytes (24 characters ending in "==").
bool is_valid_key(std::string_view key);

// base64 of a 16-byte nonce: a Sec-WebSocket-Key. The caller brings the randomness.
std::string encode_key(const std::array<std::uint8_t, 16>& nonce);

// The server's answer to an upgrade request.
struct HandshakeVerdict {
  // 101, or 400 / 426 / 403 / 501 as in UpgradeResult (upgrade.h).
  int status = 400;
  std::vector<http::Header> headers;
  std::string body;        // the reason for a refusal; empty for 101
  bool broadcast = false;  // 101 on kBroadcastPath: the session joins the broadcast group
};

// Checks, in this order: method GET, HTTP/1.1 or later, Host, "Upgrade: websocket",
// "Connection: Upgrade" (a token of a list), exactly one valid Sec-WebSocket-Key,
// Sec-WebSocket-Version (missing → 400, not 13 → 426), then the token when
// config.ws_token_secret is set (403), then /broadcast when !config.can_broadcast (501).
// Sec-WebSocket-Extensions (e.g. permessage-deflate) and subprotocols are ignored: the answer
// names none, which RFC 6455 allows and every client must accept.
HandshakeVerdict check_handshake(const http::Request& request, const ProtocolConfig& config);

// --- client side ---

// A complete GET upgrade request (ends with the blank line). `target` is the request-target,
// e.g. "/broadcast?uid=7&token=...". `extra_headers` are added as given.
std::string build_client_handshake(std::string_view host, std::string_view target,
                                   std::string_view key,
                                   const std::vector<http::Header>& extra_headers = {});

// Checks a server's answer to build_client_handshake(key): status 101, Upgrade: websocket,
// Connection: Upgrade, the right Sec-WebSocket-Accept, and no extension or subprotocol we did
// not ask for. Returns an empty string when it is good, otherwise what is wrong.
std::string verify_server_handshake(int status, const std::vector<http::Header>& headers,
                                    std::string_view key);

}  // namespace archbench::websocket
