// The seam between the HTTP session and the WebSocket protocol: an HTTP request that asks for
// an upgrade is judged here (RFC 6455 4.2), and on success a WebSocket Session takes over the
// connection. In --protocol websocket every request comes here; in --protocol http only those
// that carry "Upgrade: websocket" (as Swoole's WebSocket server extends its HTTP server).
//
// Thread-safety: free functions over their arguments only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "protocols/http/request.h"
#include "protocols/session.h"

namespace archbench::websocket {

// True when the request names the websocket upgrade token in an Upgrade header.
bool is_upgrade_request(const http::Request& request);

struct UpgradeResult {
  // 101 on success; otherwise 400 (bad handshake), 426 (wrong version), 403 (bad token),
  // 501 (/broadcast where the architecture cannot broadcast).
  int status = 400;
  // Headers beside the ones the HTTP writer always adds: Upgrade, Connection and
  // Sec-WebSocket-Accept on success; Sec-WebSocket-Version: 13 with 426.
  std::vector<http::Header> headers;
  // The reason, for refusals (text/plain). Empty for 101.
  std::string body;
  // Non-null exactly when status == 101: the session that owns the connection from now on.
  std::unique_ptr<Session> session;
};

UpgradeResult upgrade(const http::Request& request, const ProtocolConfig& config);

}  // namespace archbench::websocket
