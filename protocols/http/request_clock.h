// The two read timeouts of a request being received, and the 408 that ends one.
//
// Header timeout (ProtocolConfig::header_timeout, --header-timeout-ms): how long one request's
// header section may take to arrive. The defence against slowloris, a client that opens many
// connections and sends each request's header a few bytes at a time, never finishing it, so
// that a server which waits for every header forever runs out of connections or workers. nginx
// bounds it with client_header_timeout (60 s by default); this is the same idea. The clock runs
// from the arrival of the first byte of a request line (empty lines before it do not count)
// until the empty line that ends the header section has arrived: a total, because a slowloris
// client makes "progress" with every byte.
//
// Body timeout (ProtocolConfig::body_timeout, --body-timeout-ms): how long the server waits for
// the next byte of a request body. The defence against the slow POST (R-U-Dead-Yet), which sends
// a complete header announcing a large body and then trickles it, or stops. Like nginx's
// client_body_timeout (60 s) it bounds the gap between two reads, not the whole body: a large
// upload over a slow but steady link is not a slow POST, and the body's size is already bounded
// by package_max_length. So each read that brings body bytes restarts it.
//
// Neither runs at accept or between requests (that is the keep-alive timeout's job, in
// HttpSession), so a whole request read at once never touches a timer.
//
// When one passes the server answers 408 Request Timeout (after the replies it already owes),
// with "Connection: close", and closes. Both places that parse HTTP requests use these pieces:
// HttpSession (every architecture that runs the protocol suite's sessions) and the reactor's
// HttpSplitter (servers/reactor/inbound_splitter.cc), so the reply and the log line are the
// same everywhere.
//
// Thread-safety: RequestClock is one connection's state, used by one thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "protocols/http/request_parser.h"
#include "protocols/http/response_writer.h"
#include "protocols/session.h"

namespace archbench::http {

// Times the request a RequestParser is receiving: its header section, then its body.
class RequestClock {
 public:
  // A limit of zero (or less) disables that phase's clock.
  RequestClock(std::chrono::milliseconds header_limit, std::chrono::milliseconds body_limit)
      : header_limit_(header_limit), body_limit_(body_limit) {}

  // Call after every RequestParser::feed() that returned kNeedMore. `arrival` is when the bytes
  // just fed arrived. In the header section the clock starts at the first byte and keeps
  // running; in the body it restarts at every call (each is a read that brought body bytes);
  // before a request line (empty lines) it stops.
  void after_need_more(const RequestParser& parser, TimePoint arrival);
  // The request is over (complete, parse error, reading stopped).
  void stop() {
    deadline_.reset();
    phase_ = Phase::kNone;
  }

  // When the running phase must end; nullopt when no clock runs. O(1).
  const std::optional<TimePoint>& deadline() const { return deadline_; }
  bool expired(TimePoint now) const { return deadline_ && *deadline_ <= now; }

  // The server log line for a timeout at `now`, valid while a clock runs (before stop()):
  //   "header timeout: 8 bytes of header in 1000 ms"
  //   "body timeout: no body byte for 1000 ms (10 of the body's bytes received)"
  std::string describe(const RequestParser& parser, TimePoint now) const;
  // The 408 for the running phase (text/plain body naming the limit). The caller frames it
  // with ResponseFraming::close = true.
  Response timeout_response() const;
  // The whole 408 as bytes (Server, Date, Connection: close), for callers without a session.
  std::string timeout_reply_bytes(ResponseWriter& writer,
                                  std::chrono::system_clock::time_point wall) const;

 private:
  enum class Phase { kNone, kHeader, kBody };

  std::chrono::milliseconds header_limit_;
  std::chrono::milliseconds body_limit_;
  Phase phase_ = Phase::kNone;
  std::optional<TimePoint> deadline_;
  TimePoint started_{};  // the header's first byte, or the last body read
};

}  // namespace archbench::http
