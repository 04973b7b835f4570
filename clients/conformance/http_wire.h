// HTTP/1.1 on the wire, from the client's side, for the conformance cases: raw request text and
// a strict response reader. Written here rather than borrowed from protocols/http so that the
// suite never judges a server with the server's own parser.
//
// Thread-safety: free functions and plain values.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "clients/conformance/blocking_socket.h"

namespace archbench::conformance::http_wire {

struct Response {
  std::string version;  // "HTTP/1.1"
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;  // in order, as received
  std::string body;

  // The first header with this name (ASCII case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
  int header_count(std::string_view name) const;
  // True when a comma-separated header lists `token` (case-insensitive).
  bool header_has_token(std::string_view name, std::string_view token) const;
};

bool iequals(std::string_view a, std::string_view b);

// "GET <target> HTTP/1.1\r\nHost: 127.0.0.1\r\n<extra_headers>\r\n". extra_headers must end in
// "\r\n" when not empty.
std::string get(std::string_view target, std::string_view extra_headers = {});
// A POST with Content-Length.
std::string post(std::string_view target, std::string_view body,
                 std::string_view extra_headers = {});

// Reads one response. The body is framed by Content-Length (or chunked, which is decoded, though
// expect_standard_headers then fails it); 1xx, 204 and 304 have none. Throws CaseFailure on a
// malformed response and SocketError on timeout/close. `what` names the request in messages.
Response read_response(BlockingSocket& socket, const std::string& what);

// DESIGN.md: Date (IMF-fixdate), Server starting "archbench/", Content-Length, Content-Type.
void expect_standard_headers(const Response& response, const std::string& what);

// The status must be `status`; the failure message carries the body (servers explain refusals).
void expect_status(const Response& response, int status, const std::string& what);

// Sends `request` on a new connection and expects `status` followed by the server closing the
// connection (every 4xx/5xx for bad input closes). Also fails when the server closes without
// any response.
void expect_refused_and_closed(BlockingSocket& socket, std::string_view request, int status,
                               const std::string& what, Millis close_timeout);

}  // namespace archbench::conformance::http_wire
