// --protocol http (and --protocol websocket): one connection of the HTTP/1.1 server.
//
// Bytes go to the RequestParser; each complete request goes to the Application (or, when it
// asks for a WebSocket upgrade, to websocket::upgrade); replies are written by the
// ResponseWriter, strictly in request order.
//
// Order with deferred replies: /sleep answers later (Reply::due). Replies behind a deferred
// one wait in a queue, so pipelined answers never overtake each other; next_deadline() reports
// the head's due time and on_deadline() flushes whatever is ready. With nothing deferred ahead,
// a reply is written straight into SessionOutput::bytes (no queue, no extra copy).
//
// Backlog bound (a client that pipelines forever behind a long /sleep): while 64 replies or
// 1 MiB of reply bodies wait in the queue, no more requests are parsed; unparsed input is kept
// in the session and parsed as the queue drains. That kept input is bounded too, by
// package_max_length + 8 KiB (always room for one maximal request). A client that exceeds it
// gets, after the replies already owed, a 503 and the connection closes (with a log line).
//
// Closing: after a 4xx/5xx for bad input (parser errors, refused handshakes, and 400 for a bad
// /bytes or /sleep parameter) the reply is sent with "Connection: close" and out.close is set
// once it is in out.bytes; so is a reply to "Connection: close" or to HTTP/1.0 without
// keep-alive. No byte after that request is parsed. When the peer half-closes, owed replies
// (deferred ones included) are still sent, then the connection closes.
//
// Header and body timeouts (request_clock.h): while a request's header section is incomplete,
// its deadline (first byte + config.header_timeout) is one of next_deadline()'s candidates,
// beside the head of the deferred-reply queue; the earlier wins. While its body is incomplete,
// so is the last body read + config.body_timeout. When one passes, the request is answered 408
// after the replies already owed, with "Connection: close", and nothing more is read. Bytes
// that arrive at or after the deadline do not save the request: on_bytes checks it first, so
// the verdict does not depend on whether the driver looked at its timers or its socket first.
// Input kept unparsed while the backlog was full carries the time it was last added to (its
// bytes arrived no later), and the clock stops when the peer half-closes (that request can
// never complete).
//
// Keep-alive timeout (ProtocolConfig::keepalive_timeout): while the connection is between
// requests -- nothing owed, nothing buffered, no request begun -- its deadline is the moment it
// became so (accept, or the last reply handed to the driver) plus the limit. When it passes the
// session closes without a reply and without a log line (an idle close is routine, and RFC 9112
// 9.8 lets a server close an idle connection at any time). Empty lines do not restart the
// clock, so CRLF every minute does not hold a connection. Trade-off: the session cannot see
// its socket, so the clock starts when the last reply is written into SessionOutput, not when
// the kernel took its last byte; a reply that takes longer than the limit to drain ends its
// connection once it is sent. Bytes that arrive before on_deadline() is called are served.
//
// WebSocket: a request with "Upgrade: websocket" (every request, with websocket_only) goes to
// websocket::upgrade. On 101 the 101 is written and the returned Session owns the connection:
// every later byte, including bytes that arrived in the same read as the handshake, goes to
// it, and next_deadline/on_deadline/broadcast_group/on_broadcast/on_peer_closed are forwarded.
// A driver must therefore re-read broadcast_group() after each call, not only at accept.
//
// Thread-safety: one connection's state, used by one thread at a time (see Session). The
// ProtocolConfig must outlive the session.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "protocols/http/application.h"
#include "protocols/http/request_clock.h"
#include "protocols/http/request_parser.h"
#include "protocols/http/response_writer.h"
#include "protocols/session.h"

namespace archbench::http {

class HttpSession final : public Session {
 public:
  // websocket_only: --protocol websocket; every request is a handshake attempt.
  // `opened`: when the connection was accepted (the keep-alive clock's first start).
  HttpSession(const ProtocolConfig& config, bool websocket_only, TimePoint opened);

  void on_bytes(std::string_view data, const Now& now, SessionOutput& out) override;
  void on_peer_closed(const Now& now, SessionOutput& out) override;
  std::optional<TimePoint> next_deadline() const override;
  void on_deadline(const Now& now, SessionOutput& out) override;
  std::string_view broadcast_group() const override;
  void on_broadcast(std::string_view encoded, SessionOutput& out) override;

  static constexpr std::size_t kMaxQueuedReplies = 64;
  static constexpr std::size_t kMaxQueuedBodyBytes = 1u << 20;

  // For tests: replies waiting behind a deferred one, and input kept unparsed.
  std::size_t queued_replies() const { return queue_.size(); }
  std::size_t unread_bytes() const { return unread_.size(); }

 private:
  struct Pending {
    Response response;
    ResponseFraming framing;
    std::optional<TimePoint> due;
    std::unique_ptr<Session> upgrade;  // set on a 101: the session that takes over after it
  };

  // Parses and answers requests from `input` until it is used up, the backlog is full or no
  // more HTTP input is to be read. `arrival`: when `input` arrived (for the header clock).
  // Returns the bytes consumed.
  std::size_t consume(std::string_view input, TimePoint arrival, const Now& now,
                      SessionOutput& out);
  void on_request(const Now& now, SessionOutput& out);
  void on_parse_error(const Now& now, SessionOutput& out);
  // The header section, or the next body byte, did not arrive in time: 408 after the owed
  // replies, read no more.
  void on_read_timeout(const Now& now, SessionOutput& out);
  // Between requests with the keep-alive timeout enabled: the only state the clock runs in.
  bool waiting_between_requests() const;
  // Writes the reply now when nothing is queued ahead of it, else queues it.
  void deliver(Pending pending, const Now& now, SessionOutput& out);
  void write_now(Pending& pending, const Now& now, SessionOutput& out);
  // Flushes ready replies, parses kept input, repeats while that makes progress.
  void drain(const Now& now, SessionOutput& out);
  void keep_unread(std::string_view rest, const Now& now, SessionOutput& out);
  bool backlog_full() const;

  const ProtocolConfig& config_;
  const bool websocket_only_;
  const std::size_t max_unread_;
  RequestParser parser_;
  RequestClock request_clock_;
  Application app_;
  ResponseWriter writer_;
  std::deque<Pending> queue_;
  std::size_t queued_body_bytes_ = 0;
  std::string unread_;           // input not parsed yet (backlog full, or upgrade pending)
  TimePoint unread_arrival_{};   // when bytes were last added to unread_
  TimePoint idle_since_;         // accept, or the last reply written (the keep-alive clock)
  bool reading_done_ = false;    // no more HTTP requests will be parsed
  bool upgrade_pending_ = false; // a 101 waits in the queue; keep input for its session
  bool closing_ = false;         // out.close was set
  bool peer_closed_ = false;
  std::unique_ptr<Session> upgraded_;
};

// The factory the suite's make_session() calls for kHttp (websocket_only = false) and
// kWebSocket (true).
std::unique_ptr<Session> make_http_session(const ProtocolConfig& config, bool websocket_only,
                                           TimePoint opened);

}  // namespace archbench::http
