// The HTTP application: a parsed Request (and the time) in, a reply out. It knows nothing of
// sockets, parsing or response bytes; HttpSession does the wire work around it.
//
// Routes (DESIGN.md, "Protocols"); every GET route also answers HEAD (headers only):
//   GET  /          200 text/plain        "Hello World"
//   GET  /json      200 application/json  {"message":"Hello, World!"}
//   POST /echo      200 the request body, with the request's Content-Type
//                       (application/octet-stream when it had none)
//   GET  /inspect   200 application/json  {"method","path","query":{name:value},
//                       "headers":{lower-case name:value},"cookies":{name:value}}; repeated
//                       headers are joined with ", " (RFC 9110 5.3), a repeated query name
//                       keeps its first value
//   GET  /bytes?n=N 200 application/octet-stream, N bytes of bytes_body(N);
//                       N missing, not a decimal, or over package_max_length -> 400
//   GET  /sleep?ms=N 200 text/plain "slept N ms", sent N ms later (Reply::due);
//                       N missing, not a decimal or over 60000 -> 400
//   GET  /ws-demo   200 text/html, the WebSocket chat page (ws_demo_page.h)
//   a known path with another method -> 405 with Allow; any other path -> 404.
//
// A 400 for a bad parameter asks to close the connection (Reply::close), like every answer to
// bad input in DESIGN.md; 404 and 405 keep it, as nginx and browsers expect for ordinary misses.
//
// Thread-safety: handle() is const and touches no shared state; one Application may serve
// many threads.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "protocols/http/request.h"
#include "protocols/http/response_writer.h"
#include "protocols/session.h"

namespace archbench::http {

struct Reply {
  Response response;
  // Deferred reply (/sleep): not to be sent before this time. nullopt: now.
  std::optional<TimePoint> due;
  // Close the connection after this reply (answers to bad input).
  bool close = false;
};

// The body of /bytes?n=N: 'a'..'z' repeating, so a client can check every byte and its place.
std::string bytes_body(std::size_t n);

class Application {
 public:
  explicit Application(const ProtocolConfig& config);

  Reply handle(const Request& request, const Now& now) const;

  static constexpr std::size_t kMaxSleepMs = 60000;

 private:
  Reply inspect(const Request& request) const;
  Reply bytes(const Request& request, bool head) const;
  Reply sleep(const Request& request, const Now& now) const;

  std::size_t max_body_;
};

}  // namespace archbench::http
