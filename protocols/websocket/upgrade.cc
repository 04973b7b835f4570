#include "protocols/websocket/upgrade.h"

#include "protocols/websocket/handshake.h"
#include "protocols/websocket/websocket_session.h"

namespace archbench::websocket {

bool is_upgrade_request(const http::Request& request) {
  return request.header_has_token("Upgrade", "websocket");
}

UpgradeResult upgrade(const http::Request& request, const ProtocolConfig& config) {
  HandshakeVerdict verdict = check_handshake(request, config);
  UpgradeResult result;
  result.status = verdict.status;
  result.headers = std::move(verdict.headers);
  result.body = std::move(verdict.body);
  if (verdict.status == 101) {
    result.session = std::make_unique<WebSocketSession>(config, verdict.broadcast);
  }
  return result;
}

}  // namespace archbench::websocket
