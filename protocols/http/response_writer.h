// Builds the bytes of an HTTP/1.1 response (RFC 9112 section 4 and 6):
//
//   HTTP/1.1 200 OK\r\n
//   Server: archbench/<arch>\r\n            (ProtocolConfig::server_name)
//   Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n  (DateCache: formatted at most once a second)
//   Content-Type: text/plain\r\n             (when set)
//   Content-Length: 11\r\n                   (never on 1xx and 204)
//   <extra headers, e.g. Set-Cookie, Allow, Upgrade>\r\n
//   Connection: close\r\n                    (closing; "keep-alive" for a kept HTTP/1.0 peer)
//   \r\n
//   <body>                                   (not for HEAD, 1xx, 204)
//
// The status line always says HTTP/1.1, also to HTTP/1.0 clients: RFC 9110 2.5 has a server
// send its own version, and 1.0 clients accept it.
//
// Thread-safety: ResponseWriter holds a DateCache, so one per session (or per thread).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/http/date_cache.h"
#include "protocols/http/request.h"

namespace archbench::http {

// What the application answers; the writer adds the framing headers.
struct Response {
  int status = 200;
  std::string content_type;     // empty: no Content-Type
  std::vector<Header> headers;  // written as given, after the standard ones
  std::string body;
  // For a HEAD reply whose body was never produced (e.g. /bytes): the Content-Length a GET
  // would have had. nullopt: body.size().
  std::optional<std::size_t> content_length;
};

// How the response fits the connection.
struct ResponseFraming {
  bool head = false;      // the request was HEAD: headers only, Content-Length as for GET
  bool close = false;     // the connection closes after this response
  int version_minor = 1;  // the request's; 0 and kept open -> "Connection: keep-alive"
};

// True for the statuses that never carry content (RFC 9110 6.4.1): 1xx, 204, 304.
bool status_has_no_content(int status);

class ResponseWriter {
 public:
  explicit ResponseWriter(std::string server_name) : server_name_(std::move(server_name)) {}

  // Appends the whole response to `out` (which may already hold earlier responses).
  void write(const Response& response, const ResponseFraming& framing,
             std::chrono::system_clock::time_point wall, std::string& out);

  // Appends "HTTP/1.1 100 Continue\r\n\r\n" (RFC 9110 15.2.1: no other fields are needed).
  static void write_continue(std::string& out);

 private:
  std::string server_name_;
  DateCache date_;
};

}  // namespace archbench::http
