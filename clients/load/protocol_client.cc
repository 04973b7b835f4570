// make_protocol_client: the one place that maps --protocol to its client.
#include <stdexcept>

#include "clients/load/exact_reply_client.h"
#include "clients/load/http_client.h"
#include "clients/load/protocol_client.h"
#include "clients/load/timer_client.h"
#include "clients/load/websocket_client.h"

namespace archbench::load {

std::unique_ptr<ProtocolClient> make_protocol_client(const Options& options,
                                                     std::uint64_t connection_index) {
  switch (options.protocol) {
    case Protocol::kEcho:
      return make_echo_client(options, connection_index);
    case Protocol::kEof:
      return make_eof_client(options, connection_index);
    case Protocol::kLength:
      return make_length_client(options, connection_index);
    case Protocol::kTimer:
      return make_timer_client(options);
    case Protocol::kHttp:
      return make_http_client(options, connection_index);
    case Protocol::kWebSocket:
      return make_websocket_client(options, connection_index);
  }
  throw std::invalid_argument("load: no client for protocol " +
                              std::string(protocol_name(options.protocol)));
}

}  // namespace archbench::load
