// make_session: the one place that maps a --protocol to its Session implementation, so that
// adding a protocol never touches an architecture.
#include "protocols/framing/echo_session.h"
#include "protocols/framing/eof_session.h"
#include "protocols/framing/length_session.h"
#include "protocols/http/http_session.h"
#include "protocols/session.h"
#include "protocols/timer/timer_session.h"

namespace archbench {

std::unique_ptr<Session> make_session(Protocol protocol, const ProtocolConfig& config,
                                      TimePoint opened) {
  switch (protocol) {
    case Protocol::kEcho:
      return std::make_unique<framing::EchoSession>();
    case Protocol::kEof:
      return framing::make_eof_session(config);
    case Protocol::kLength:
      return framing::make_length_session(config);
    case Protocol::kHttp:
      return http::make_http_session(config, /*websocket_only=*/false, opened);
    case Protocol::kWebSocket:
      // A WebSocket server is an HTTP server that answers nothing but the upgrade (RFC 6455 4.2).
      return http::make_http_session(config, /*websocket_only=*/true, opened);
    case Protocol::kTimer:
      return timer::make_timer_session(config);
  }
  return nullptr;  // unreachable: every enumerator is handled above
}

}  // namespace archbench
