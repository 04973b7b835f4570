#include "protocols/http/framing_fields.h"

#include <array>

#include "protocols/http/header_section.h"
#include "protocols/http/request.h"

namespace archbench::http {
namespace {

// Calls visit(item) for each OWS-trimmed, non-empty element of a comma-separated list and
// returns how many there were (RFC 9110 5.6.1: empty elements do not count).
template <typename Visit>
int for_each_list_item(std::string_view list, Visit visit) {
  int count = 0;
  while (true) {
    std::size_t comma = list.find(',');
    std::string_view item = trim_ows(list.substr(0, comma));
    if (!item.empty()) {
      ++count;
      visit(item);
    }
    if (comma == std::string_view::npos) return count;
    list.remove_prefix(comma + 1);
  }
}

// 1*DIGIT into a uint64_t; false for anything else, including overflow.
bool parse_decimal(std::string_view digits, std::uint64_t& out) {
  if (digits.empty()) return false;
  std::uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return false;
    value = value * 10 + digit;
  }
  out = value;
  return true;
}

// uri-host [":" port] (RFC 3986 3.2.2): reg-name, IPv4 or an IP-literal in brackets.
constexpr std::array<bool, 256> kHostChars = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (char c : std::string_view("-._~!$&'()*+,;=:[]%")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

// Whether a field name (already checked to be a token) is `lower`, a lower-case name made of
// letters and '-', ignoring case. For token characters `c | 0x20` maps only an upper-case
// letter onto its lower-case twin, so this is exact, and cheaper than a general iequals.
inline bool name_is(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if ((name[i] | 0x20) != lower[i]) return false;
  }
  return true;
}

bool note_content_length(FramingFields& f, std::string_view value, ParseError& error) {
  // "Content-Length: 42, 42" is allowed as a list of identical values (RFC 9110 8.6).
  bool ok = true;
  std::uint64_t first = 0;
  bool have_first = false;
  int items = for_each_list_item(value, [&](std::string_view item) {
    std::uint64_t n = 0;
    if (!parse_decimal(item, n) || (have_first && n != first)) {
      ok = false;
      return;
    }
    first = n;
    have_first = true;
  });
  if (!ok || items == 0) {
    error = {400, "invalid Content-Length"};
    return false;
  }
  if (f.has_content_length && f.content_length != first) {
    error = {400, "conflicting Content-Length values"};
    return false;
  }
  f.has_content_length = true;
  f.content_length = first;
  return true;
}

bool note_transfer_encoding(FramingFields& f, std::string_view value, ParseError& error) {
  f.has_transfer_encoding = true;
  int items = for_each_list_item(value, [&](std::string_view item) {
    // transfer-coding = token *( OWS ";" OWS transfer-parameter ); parameters are ignored.
    std::string_view coding = trim_ows(item.substr(0, item.find(';')));
    ++f.coding_count;
    f.chunked_last = iequals(coding, "chunked");
    if (f.chunked_last) {
      ++f.chunked_count;
    } else if (!iequals(coding, "gzip") && !iequals(coding, "x-gzip") &&
               !iequals(coding, "deflate") && !iequals(coding, "compress") &&
               !iequals(coding, "x-compress")) {
      f.unknown_coding = true;
    }
  });
  if (items == 0) {
    error = {400, "empty Transfer-Encoding"};
    return false;
  }
  return true;
}

void note_connection(FramingFields& f, std::string_view value) {
  for_each_list_item(value, [&](std::string_view item) {
    if (iequals(item, "close")) f.connection_close = true;
    else if (iequals(item, "keep-alive")) f.connection_keep_alive = true;
    else if (iequals(item, "upgrade")) f.connection_upgrade = true;
  });
}

}  // namespace

bool FramingFields::note(std::string_view name, std::string_view value, ParseError& error) {
  // Dispatch on the length first: most field lines are none of these and cost one switch.
  switch (name.size()) {
    case 4:
      if (name_is(name, "host")) {
        ++host_count;
        for (char c : value) {
          if (!kHostChars[static_cast<unsigned char>(c)]) {
            error = {400, "invalid Host"};
            return false;
          }
        }
      }
      return true;
    case 6:
      if (name_is(name, "expect") && iequals(value, "100-continue")) expect_continue = true;
      return true;
    case 10:
      if (name_is(name, "connection")) note_connection(*this, value);
      return true;
    case 14:
      if (name_is(name, "content-length")) return note_content_length(*this, value, error);
      return true;
    case 17:
      if (name_is(name, "transfer-encoding")) return note_transfer_encoding(*this, value, error);
      return true;
    default:
      return true;
  }
}

}  // namespace archbench::http
