#include "protocols/websocket/handshake.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "protocols/http/query.h"
#include "protocols/websocket/token.h"

namespace archbench::websocket {
namespace {

std::string base64(const unsigned char* data, std::size_t n) {
  std::string out(4 * ((n + 2) / 3), '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data,
                                      static_cast<int>(n));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '+' || c == '/';
}

HandshakeVerdict refuse(int status, std::string reason) {
  HandshakeVerdict v;
  v.status = status;
  v.body = std::move(reason);
  return v;
}

std::size_t count_headers(const std::vector<http::Header>& headers, std::string_view name) {
  std::size_t n = 0;
  for (const http::Header& h : headers) n += http::iequals(h.name, name) ? 1 : 0;
  return n;
}

}  // namespace

std::string compute_accept(std::string_view key) {
  std::string input;
  input.reserve(key.size() + kHandshakeGuid.size());
  input.append(key);
  input.append(kHandshakeGuid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  return base64(digest, sizeof digest);
}

bool is_valid_key(std::string_view key) {
  // 16 bytes are 128 bits: 21 full sextets plus 2 bits, so 22 characters and "==" padding.
  if (key.size() != 24 || key[22] != '=' || key[23] != '=') return false;
  for (std::size_t i = 0; i < 22; ++i) {
    if (!is_base64_char(key[i])) return false;
  }
  return true;
}

std::string encode_key(const std::array<std::uint8_t, 16>& nonce) {
  return base64(nonce.data(), nonce.size());
}

HandshakeVerdict check_handshake(const http::Request& request, const ProtocolConfig& config) {
  if (request.method != "GET") return refuse(400, "WebSocket handshake must use GET");
  if (request.version_minor < 1) return refuse(400, "WebSocket handshake needs HTTP/1.1");
  if (request.find_header("Host") == nullptr) return refuse(400, "missing Host header");
  if (!request.header_has_token("Upgrade", "websocket")) {
    return refuse(400, "missing \"Upgrade: websocket\"");
  }
  if (!request.header_has_token("Connection", "Upgrade")) {
    return refuse(400, "missing \"Connection: Upgrade\"");
  }
  const std::size_t keys = count_headers(request.headers, "Sec-WebSocket-Key");
  if (keys == 0) return refuse(400, "missing Sec-WebSocket-Key");
  if (keys > 1) return refuse(400, "more than one Sec-WebSocket-Key");
  const std::string& key = *request.find_header("Sec-WebSocket-Key");
  if (!is_valid_key(key)) {
    return refuse(400, "Sec-WebSocket-Key is not the base64 encoding of 16 bytes");
  }
  const std::string* version = request.find_header("Sec-WebSocket-Version");
  if (version == nullptr) return refuse(400, "missing Sec-WebSocket-Version");
  if (*version != "13") {
    // RFC 6455 4.4: name the versions we speak so the client can retry with one of them.
    HandshakeVerdict v = refuse(426, "unsupported Sec-WebSocket-Version; this server speaks 13");
    v.headers.push_back({"Sec-WebSocket-Version", "13"});
    return v;
  }

  if (!config.ws_token_secret.empty()) {
    const http::NameValues query = http::parse_query(request.query);
    const std::string* uid = http::find_value(query, "uid");
    const std::string* token = http::find_value(query, "token");
    if (uid == nullptr || token == nullptr) return refuse(403, "missing uid or token");
    if (!verify_token(config.ws_token_secret, *uid, *token)) {
      return refuse(403, "invalid token for this uid");
    }
  }

  const bool broadcast = request.path == kBroadcastPath;
  if (broadcast && !config.can_broadcast) return refuse(501, config.broadcast_refusal);

  HandshakeVerdict v;
  v.status = 101;
  v.broadcast = broadcast;
  v.headers.push_back({"Upgrade", "websocket"});
  v.headers.push_back({"Connection", "Upgrade"});
  v.headers.push_back({"Sec-WebSocket-Accept", compute_accept(key)});
  return v;
}

std::string build_client_handshake(std::string_view host, std::string_view target,
                                   std::string_view key,
                                   const std::vector<http::Header>& extra_headers) {
  std::string out;
  out.reserve(160 + host.size() + target.size());
  out.append("GET ").append(target).append(" HTTP/1.1\r\n");
  out.append("Host: ").append(host).append("\r\n");
  out.append("Upgrade: websocket\r\nConnection: Upgrade\r\n");
  out.append("Sec-WebSocket-Key: ").append(key).append("\r\n");
  out.append("Sec-WebSocket-Version: 13\r\n");
  for (const http::Header& h : extra_headers) {
    out.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  out.append("\r\n");
  return out;
}

std::string verify_server_handshake(int status, const std::vector<http::Header>& headers,
                                    std::string_view key) {
  if (status != 101) return "status " + std::to_string(status) + ", expected 101";
  http::Request view;  // reuse the request's header helpers over the response's headers
  view.headers = headers;
  if (!view.header_has_token("Upgrade", "websocket")) return "missing \"Upgrade: websocket\"";
  if (!view.header_has_token("Connection", "Upgrade")) return "missing \"Connection: Upgrade\"";
  const std::string* accept = view.find_header("Sec-WebSocket-Accept");
  if (accept == nullptr) return "missing Sec-WebSocket-Accept";
  if (*accept != compute_accept(key)) return "wrong Sec-WebSocket-Accept";
  if (view.find_header("Sec-WebSocket-Extensions") != nullptr) {
    return "server named an extension the client did not offer";
  }
  if (view.find_header("Sec-WebSocket-Protocol") != nullptr) {
    return "server named a subprotocol the client did not offer";
  }
  return {};
}

}  // namespace archbench::websocket
