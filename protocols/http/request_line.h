// The request line (RFC 9112 section 3) and the request-target forms (RFC 9112 3.2).
//
//   request-line = method SP request-target SP HTTP-version
//
// Exactly one SP between the parts and nothing after the version. The version must match
// "HTTP/" DIGIT "." DIGIT: `HTTP/1.01` and `HTP/1.1` are malformed (400); a well-formed major
// version other than 1 (`HTTP/2.0`, `HTTP/3.0`, `HTTP/0.9`) is 505; `HTTP/1.2` is served as
// HTTP/1.1 (RFC 9110 2.5: the highest minor version within the major version).
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "protocols/http/status.h"

namespace archbench::http {

struct RequestLine {
  std::string_view method;
  std::string_view target;
  int version_minor = 1;  // 0 or 1
};

// `line` without its CRLF. A target longer than max_target -> 414.
bool parse_request_line(std::string_view line, std::size_t max_target, RequestLine& out,
                        ParseError& error);

// Decides whether an incomplete start of a header section already proves the target too long:
// a method token, one SP, then more than max_target bytes without SP or CR. Lets a server answer
// 414 early, and for a request line bigger than the whole header section.
bool target_already_too_long(std::string_view partial, std::size_t max_target);

// Splits a request-target into the percent-decoded path and the raw query (without '?').
// origin-form "/a/b?q"; absolute-form "http://host/a?q" (path "/a", "/" when empty);
// asterisk-form "*" (path "*"); authority-form "host:port" for CONNECT (empty path). Anything
// else, or a malformed %-escape in the path -> false with a 400. `path` and `query` are
// overwritten (their capacity is reused).
bool split_target(std::string_view method, std::string_view target, std::string& path,
                  std::string& query, ParseError& error);

}  // namespace archbench::http
