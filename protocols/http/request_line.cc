#include "protocols/http/request_line.h"

#include <array>

#include "protocols/http/byte_search.h"
#include "protocols/http/header_section.h"
#include "protocols/http/request.h"

namespace archbench::http {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Bytes a request-target may hold: visible ASCII except '#', which starts a fragment and is
// never sent in a request (RFC 9112 3.2). Non-ASCII must arrive percent-encoded.
constexpr std::array<bool, 256> kTargetChars = [] {
  std::array<bool, 256> table{};
  for (int c = 0x21; c <= 0x7e; ++c) table[c] = c != '#';
  return table;
}();

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes a path into `out` (no '+' rule: that belongs to query strings only).
bool decode_path(std::string_view raw, std::string& out) {
  if (find_byte(raw.data(), raw.size(), '%') == raw.size()) {
    out.assign(raw);  // the common case: nothing to decode
    return true;
  }
  out.clear();
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '%') {
      out.push_back(raw[i]);
      continue;
    }
    if (i + 2 >= raw.size()) return false;
    int hi = hex_value(raw[i + 1]);
    int lo = hex_value(raw[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

}  // namespace

bool parse_request_line(std::string_view line, std::size_t max_target, RequestLine& out,
                        ParseError& error) {
  std::size_t i = 0;
  while (i < line.size() && is_token_char(line[i])) ++i;
  if (i == 0 || i == line.size() || line[i] != ' ') {
    error = {400, "malformed request line (method)"};
    return false;
  }
  out.method = line.substr(0, i);
  std::size_t target_start = ++i;
  while (i < line.size() && kTargetChars[static_cast<unsigned char>(line[i])]) ++i;
  if (i - target_start > max_target) {
    error = {414, "request target too long"};
    return false;
  }
  if (i == target_start || i == line.size() || line[i] != ' ') {
    error = {400, "malformed request line (target)"};
    return false;
  }
  out.target = line.substr(target_start, i - target_start);
  std::string_view version = line.substr(i + 1);
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !is_digit(version[5]) ||
      version[6] != '.' || !is_digit(version[7])) {
    error = {400, "malformed HTTP version"};
    return false;
  }
  if (version[5] != '1') {
    error = {505, "HTTP version not supported"};
    return false;
  }
  out.version_minor = version[7] == '0' ? 0 : 1;
  return true;
}

bool target_already_too_long(std::string_view partial, std::size_t max_target) {
  std::size_t i = 0;
  while (i < partial.size() && is_token_char(partial[i])) ++i;
  if (i == 0 || i == partial.size() || partial[i] != ' ') return false;
  std::string_view rest = partial.substr(i + 1);
  std::size_t run = 0;
  while (run < rest.size() && rest[run] != ' ' && rest[run] != '\r' && rest[run] != '\n') ++run;
  return run > max_target;
}

bool split_target(std::string_view method, std::string_view target, std::string& path,
                  std::string& query, ParseError& error) {
  std::string_view path_part;
  if (!target.empty() && target.front() == '/') {
    path_part = target;
  } else if (target == "*" && method == "OPTIONS") {
    path.assign("*");
    query.clear();
    return true;
  } else if (method == "CONNECT") {
    path.clear();
    query.clear();
    return true;
  } else {
    // absolute-form: scheme "://" authority [path-abempty] ["?" query]
    std::size_t scheme_end = target.find("://");
    bool http_scheme = scheme_end != std::string_view::npos &&
                       (iequals(target.substr(0, scheme_end), "http") ||
                        iequals(target.substr(0, scheme_end), "https"));
    if (!http_scheme) {
      error = {400, "invalid request target"};
      return false;
    }
    std::string_view rest = target.substr(scheme_end + 3);
    std::size_t path_start = rest.find_first_of("/?");
    if (path_start == 0) {
      error = {400, "absolute-form target without authority"};
      return false;
    }
    path_part = path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  }
  std::size_t question = find_byte(path_part.data(), path_part.size(), '?');
  std::string_view raw_path = path_part.substr(0, question);
  if (question == path_part.size()) {
    query.clear();
  } else {
    query.assign(path_part.substr(question + 1));
  }
  if (raw_path.empty()) {
    path.assign("/");
    return true;
  }
  if (!decode_path(raw_path, path)) {
    error = {400, "malformed percent-encoding in path"};
    return false;
  }
  return true;
}

}  // namespace archbench::http
