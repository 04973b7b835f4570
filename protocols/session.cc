#include "protocols/session.h"

#include <array>

namespace archbench {
namespace {

struct NamedProtocol {
  std::string_view name;
  Protocol protocol;
};

constexpr std::array<NamedProtocol, 6> kProtocols{{
    {"echo", Protocol::kEcho},
    {"eof", Protocol::kEof},
    {"length", Protocol::kLength},
    {"http", Protocol::kHttp},
    {"websocket", Protocol::kWebSocket},
    {"timer", Protocol::kTimer},
}};

}  // namespace

std::optional<Protocol> parse_protocol(std::string_view name) {
  for (const auto& p : kProtocols) {
    if (p.name == name) return p.protocol;
  }
  return std::nullopt;
}

std::string_view protocol_name(Protocol protocol) {
  for (const auto& p : kProtocols) {
    if (p.protocol == protocol) return p.name;
  }
  return "unknown";
}

const std::vector<Protocol>& all_protocols() {
  static const std::vector<Protocol> all = [] {
    std::vector<Protocol> v;
    for (const auto& p : kProtocols) v.push_back(p.protocol);
    return v;
  }();
  return all;
}

}  // namespace archbench
