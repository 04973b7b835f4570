// Percent-decoding and the name=value lists of query strings and Cookie headers.
// Shared by the HTTP application (/inspect) and the WebSocket handshake (uid/token).
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace archbench::http {

using NameValues = std::vector<std::pair<std::string, std::string>>;

// Decodes %XX escapes; with plus_as_space (query strings, RFC 1866 forms) '+' becomes ' '.
// nullopt when an escape is malformed ("%G1", a trailing "%4").
std::optional<std::string> percent_decode(std::string_view in, bool plus_as_space);

// "a=1&b=x%20y&flag" -> {{"a","1"},{"b","x y"},{"flag",""}}. Empty items are skipped; an item
// whose escapes are malformed is kept raw rather than dropped, so nothing the client sent vanishes.
NameValues parse_query(std::string_view query);

// "a=1; b=2" (RFC 6265 5.4) -> {{"a","1"},{"b","2"}}. Values are not decoded; a quoted value
// loses its quotes.
NameValues parse_cookies(std::string_view cookie_header);

// The value of the first item with this name, or nullptr.
const std::string* find_value(const NameValues& items, std::string_view name);

}  // namespace archbench::http
