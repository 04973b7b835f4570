// The catalogue: every conformance case, grouped by protocol, in a stable order.
//
// Thread-safety: all_cases() builds the list once (thread-safe static initialisation) and
// returns it read-only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "clients/conformance/conformance_case.h"

namespace archbench::conformance {

// "echo", "eof", "length", "http", "websocket", "timer" (DESIGN.md's order).
const std::vector<std::string>& protocol_names();

// Every case of every protocol.
const CaseList& all_cases();

// The cases of one protocol, optionally only one group ("utf8", "bad", ...). Empty when the
// protocol or group is unknown.
std::vector<const Case*> select_cases(std::string_view protocol, std::string_view group = {});

// Each protocol's cases live in their own file; these fill the catalogue.
void add_echo_cases(CaseList& list);
void add_eof_cases(CaseList& list);
void add_length_cases(CaseList& list);
void add_http_route_cases(CaseList& list);
void add_http_connection_cases(CaseList& list);
void add_http_bad_input_cases(CaseList& list);
void add_http_compat_cases(CaseList& list);
void add_websocket_framing_cases(CaseList& list);
void add_websocket_control_cases(CaseList& list);
void add_websocket_utf8_cases(CaseList& list);
void add_websocket_handshake_cases(CaseList& list);
void add_timer_cases(CaseList& list);

}  // namespace archbench::conformance
