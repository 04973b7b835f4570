// The header read timeout (ProtocolConfig::header_timeout, --header-timeout-ms): how long one
// request's header section may take to arrive. The defence against slowloris, a client that
// opens many connections and sends each request's header a few bytes at a time, never finishing
// it, so that a server which waits for every header forever runs out of connections or workers.
// nginx bounds it with client_header_timeout (60 s by default); this is the same idea.
//
// When the clock runs: from the arrival of the first byte of a request line (empty lines before
// it do not count) until the empty line that ends the header section has arrived. Not at accept
// and not between requests: a keep-alive connection with nothing buffered has no deadline, so
// holding many idle connections (the c10k scenario) costs no timer at all, and closing idle
// connections stays the job of a separate idle timeout where an architecture has one. Nor
// during the body: a slow body ("slow POST", R-U-Dead-Yet) is a different attack, bounded by
// package_max_length in size but not in time here; it needs a body/idle read timeout (nginx's
// client_body_timeout), which is not part of this one.
//
// When it passes the server answers 408 Request Timeout (after the replies it already owes),
// with "Connection: close", and closes. Both places that parse HTTP requests use these pieces:
// HttpSession (every architecture that runs the protocol suite's sessions) and the reactor's
// HttpSplitter (servers/reactor/inbound_splitter.cc), so the reply and the log line are the
// same everywhere.
//
// Thread-safety: HeaderClock is one connection's state, used by one thread at a time. The free
// functions are pure.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "protocols/http/request_parser.h"
#include "protocols/http/response_writer.h"
#include "protocols/session.h"

namespace archbench::http {

// Times the header section of the request a RequestParser is receiving.
class HeaderClock {
 public:
  // `limit` zero (or negative) disables the clock: deadline() is then always nullopt.
  explicit HeaderClock(std::chrono::milliseconds limit) : limit_(limit) {}

  // Call after every RequestParser::feed() that returned kNeedMore. `arrival` is when the bytes
  // just fed arrived. When they began a header section, the clock starts at `arrival`; when the
  // section was already under way it keeps running from its first byte; when the parser is past
  // the header (in the body) or before it (empty lines), the clock stops.
  void after_need_more(const RequestParser& parser, TimePoint arrival) {
    if (!parser.in_header_section()) {
      deadline_.reset();
      return;
    }
    if (deadline_ || limit_.count() <= 0) return;
    started_ = arrival;
    deadline_ = arrival + limit_;
  }
  // The request's header section is over (complete request, parse error, reading stopped).
  void stop() { deadline_.reset(); }

  // When the header section must be complete; nullopt when no clock runs. O(1).
  const std::optional<TimePoint>& deadline() const { return deadline_; }
  bool expired(TimePoint now) const { return deadline_ && *deadline_ <= now; }
  std::chrono::milliseconds limit() const { return limit_; }

  // The server log line for a timeout at `now`: "header timeout: 8 bytes of header in 1000 ms".
  // Valid while the clock runs (before stop()).
  std::string describe(const RequestParser& parser, TimePoint now) const;

 private:
  std::chrono::milliseconds limit_;
  std::optional<TimePoint> deadline_;
  TimePoint started_{};
};

// The 408 reply (text/plain body naming the limit). The caller frames it with
// ResponseFraming::close = true.
Response header_timeout_response(std::chrono::milliseconds limit);

// The whole 408 as bytes (Server, Date, Connection: close), for callers without a session.
std::string header_timeout_reply_bytes(std::chrono::milliseconds limit, ResponseWriter& writer,
                                       std::chrono::system_clock::time_point wall);

}  // namespace archbench::http
