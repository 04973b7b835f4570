#include "clients/conformance/case_catalogue.h"

#include <set>
#include <stdexcept>

namespace archbench::conformance {

const std::vector<std::string>& protocol_names() {
  static const std::vector<std::string> kNames = {"echo", "eof",       "length",
                                                  "http", "websocket", "timer"};
  return kNames;
}

const CaseList& all_cases() {
  static const CaseList kCases = [] {
    CaseList list;
    add_echo_cases(list);
    add_eof_cases(list);
    add_length_cases(list);
    add_http_route_cases(list);
    add_http_connection_cases(list);
    add_http_bad_input_cases(list);
    add_http_compat_cases(list);
    add_websocket_handshake_cases(list);
    add_websocket_framing_cases(list);
    add_websocket_control_cases(list);
    add_websocket_utf8_cases(list);
    add_timer_cases(list);
    // A duplicate name would make results ambiguous; catch it where the list is built.
    std::set<std::string> seen;
    for (const Case& c : list) {
      if (!seen.insert(c.name).second) throw std::logic_error("duplicate case name " + c.name);
    }
    return list;
  }();
  return kCases;
}

std::vector<const Case*> select_cases(std::string_view protocol, std::string_view group) {
  std::vector<const Case*> selected;
  for (const Case& c : all_cases()) {
    if (c.protocol == protocol && (group.empty() || c.group == group)) selected.push_back(&c);
  }
  return selected;
}

}  // namespace archbench::conformance
