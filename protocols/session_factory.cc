// make_session: the one place that maps a --protocol name to its Session implementation.
#include <stdexcept>

#include "protocols/framing/echo_session.h"
#include "protocols/session.h"

namespace archbench {

std::unique_ptr<Session> make_session(Protocol protocol, const ProtocolConfig& config) {
  switch (protocol) {
    case Protocol::kEcho:
      return std::make_unique<framing::EchoSession>();
    default:
      break;
  }
  throw std::invalid_argument("protocol not built yet: " + std::string(protocol_name(protocol)));
}

}  // namespace archbench
