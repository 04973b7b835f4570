// A parsed HTTP/1.x request, as the HTTP parser produces it and the application and the
// WebSocket handshake consume it.
//
// Thread-safety: a plain value; no shared state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace archbench::http {

struct Header {
  std::string name;   // as received (case preserved; compare with iequals)
  std::string value;  // leading and trailing whitespace removed
};

// ASCII case-insensitive comparison, as header names and many tokens need (RFC 9110 5.1).
bool iequals(std::string_view a, std::string_view b);

struct Request {
  std::string method;   // "GET", case-sensitive (RFC 9110 9.1)
  std::string target;   // the raw request-target
  std::string path;     // the target's path, percent-decoded
  std::string query;    // the raw query (without '?'), empty when none
  int version_minor = 1;  // HTTP/1.<minor>: 0 or 1
  std::vector<Header> headers;
  std::string body;     // de-chunked
  bool keep_alive = true;  // after this request, per version and Connection

  // The first header with this name (case-insensitive), or nullptr.
  const std::string* find_header(std::string_view name) const;
  // True when a comma-separated header (e.g. Connection) lists `token`, case-insensitively.
  bool header_has_token(std::string_view name, std::string_view token) const;
};

}  // namespace archbench::http
