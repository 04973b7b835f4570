// One client connection's state machine on Asio: connect, optional handshake, keep up to
// --pipeline requests in flight (sent when the schedule says so), verify every reply, and
// replace the connection after a failure.
//
//   kWaiting ──connect──▶ kConnecting ──▶ [kHandshaking] ──▶ kReady ──┐
//      ▲   (start time,                                              │ reset, wrong reply,
//      │    backoff, or --no-keepalive between requests)             │ timeout, peer close
//      └─────────────────────────────────────────────────────────────┘
//   any state ──(run closed, nothing in flight; or hard stop)──▶ kFinished
//
// Accounting rules (each request ends exactly once):
//   * a verified reply records its latency from the intended start (and, beside it, from the
//     actual send);
//   * a request still unanswered --timeout after its intended start (plus the server's own
//     delay in timer mode) is one timeout; every request in flight on that connection at that
//     moment is one timeout each, and the connection is replaced;
//   * an open-loop request whose intended start is already --timeout old when the connection
//     could send it is one timeout and is not sent (otherwise a long stall would cascade into
//     timeouts of requests that were never on the wire);
//   * a reply that announces the close (HTTP "Connection: close", as nginx sends after
//     keepalive_requests) ends the connection without an error; requests pipelined behind it
//     were never processed and are sent again on the next connection, keeping their intended
//     starts;
//   * a reset or an unannounced close is one read (or write) error for the connection,
//     whatever was in flight; a wrong reply is one wrong reply, and the connection is replaced because its
//     byte stream no longer lines up with the requests.
// Failed connects back off (10 ms doubling to 500 ms) so a refusing server is not hammered.
//
// WebSocket broadcast mode (WorkerContext::group set) changes the life of a connection:
//   * after its handshake it joins the group and sends nothing until the group's barrier
//     releases (every connection joined); a 501 answer to the handshake is "unsupported" (the
//     architecture does not broadcast, by design) and ends the connection without an error;
//   * messages arrive from every member; its own copy answers its oldest in-flight message
//     (latency: send to own copy), the others are deliveries whose order the group checks;
//     a bad message inside a good frame is one wrong reply and the connection goes on;
//   * besides --pipeline, it holds back while a few of its messages have not yet reached every
//     member (flow control; see broadcast_group.h);
//   * when the run closes and its own copies are back it stops sending, then drains: it keeps
//     reading until the group says it has every message owed to it (or the hard stop);
//   * it never reconnects once it joined: a failure makes it depart from the group.
// A WebSocket server's ping is answered with a pong in every mode (ProtocolClient::take_output).
// connection.cc has the normal path, connection_end.cc failures, timeouts and the end.
//
// Thread-safety: a Connection lives on one worker thread; every method runs on that thread.
#pragma once

#include <asio.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "clients/load/broadcast_group.h"
#include "clients/load/options.h"
#include "clients/load/protocol_client.h"
#include "clients/load/run_plan.h"
#include "clients/load/schedule.h"
#include "clients/load/stats.h"

namespace archbench::load {

// What the connections of one worker thread share. Owned by the worker; outlives them.
struct WorkerContext {
  asio::io_context& io;
  const Options& options;
  RunPlan& plan;
  Stats& stats;
  asio::ip::tcp::endpoint endpoint;
  std::function<void()> on_connection_finished;
  BroadcastGroup* group = nullptr;  // broadcast mode only; shared by every worker
};

class Connection {
 public:
  // `index` is global over all threads (payload seed, open-loop offset, request log);
  // `start_at` is when it first connects (the --connect-rate ramp).
  Connection(WorkerContext& context, std::uint32_t index, TimePoint start_at);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start();
  // The worker's periodic check: connect, handshake and request timeouts.
  void sweep(TimePoint now);
  // Ends the connection at once. At the hard stop (`settle` true) every request still owed,
  // in flight or scheduled before the end, is older than the timeout and counts as one; after
  // Ctrl-C (`settle` false) nothing more is counted.
  void abort(bool settle);
  bool finished() const { return state_ == State::kFinished; }

 private:
  enum class State { kWaiting, kConnecting, kHandshaking, kReady, kFinished };
  struct InFlight {
    TimePoint intended;
    TimePoint actual;
    bool measured;
    std::uint64_t sequence = 0;  // broadcast mode: the number in the message's tag
  };

  void begin_connect();
  void on_connected(const std::error_code& error);
  void start_reading();
  void on_read(const std::error_code& error, std::size_t n);
  // Handles one verified-or-not reply; false when the connection was closed because of it.
  bool on_reply(const ReplyVerdict& verdict, TimePoint now);
  // The handshake's verdict; false when the connection was closed because of it.
  bool on_handshake(const ReplyVerdict& verdict, TimePoint now);

  // --- broadcast mode ---
  bool broadcast() const { return context_.group != nullptr; }
  // One message from the group (own copy or another member's); false when it closed the
  // connection.
  bool on_broadcast_message(const ReplyVerdict& verdict, TimePoint now);
  // Whether the barrier has released; on the first true, starts the open-loop schedule there.
  bool barrier_passed(TimePoint now);
  // Nothing more to send and the own copies are back: stop sending, and finish once drained.
  void end_sending();
  // Before the barrier a failed connection may try again; after it, never.
  bool may_rejoin(TimePoint now);
  // Stops sending for good: as a member (`departed`: because it failed), or gives up joining.
  void leave_group(bool departed);

  // Sends whatever the schedule allows now; arms the wake-up timer for the next intended start.
  void pump();
  // --no-keepalive between requests: connect when the next request is due.
  void pump_disconnected();
  void connect_when_due();
  void flush();
  void on_wake();
  void arm_wake(TimePoint at);

  // Closes the socket and forgets per-connection state; in-flight requests must be settled.
  void close_socket();
  // Settles every in-flight request as `outcome` (request log only) and empties the queue.
  void drop_in_flight(Outcome outcome);
  // After a close: reconnect (at once, or after the failure backoff) or finish.
  void reconnect_or_finish(bool after_failure);
  // Adds `count` to `error_counter`, settles what was in flight as `outcome`, and replaces the
  // connection after the backoff.
  void fail(std::uint64_t& error_counter, std::uint64_t count, Outcome outcome);
  void reject_reply(std::string expected, std::string got, TimePoint now);  // wrong reply
  // Counts one wrong reply and keeps a sample of it; the connection goes on.
  void note_wrong_reply(std::string expected, std::string got, TimePoint now);
  void finish();
  // The run accepts no request at or after the next one this connection would send, and no
  // request is waiting to be sent again (broadcast mode: or it can no longer join the group).
  bool run_closed_for_next(TimePoint now);

  WorkerContext& context_;
  const std::uint32_t index_;
  const TimePoint start_at_;
  const Clock::duration timeout_;
  const Clock::duration server_delay_;  // timer protocol: AFTER <ms>
  const std::size_t depth_;
  const bool keepalive_;

  asio::ip::tcp::socket socket_;
  asio::steady_timer wake_timer_;
  TimePoint wake_at_ = TimePoint::max();
  std::uint64_t wake_generation_ = 0;  // a fired wait with an older number is stale
  std::uint64_t socket_generation_ = 0;  // likewise for socket operations after a close

  std::unique_ptr<ProtocolClient> client_;
  Schedule schedule_;
  State state_ = State::kWaiting;
  TimePoint connect_started_{};
  int consecutive_failures_ = 0;

  std::deque<InFlight> in_flight_;
  // Requests the server closed the connection on without answering (after a reply that
  // announced the close); sent first on the next connection.
  std::deque<InFlight> resend_;
  std::string out_;      // requests not yet handed to the socket
  std::string writing_;  // the buffer of the write in progress
  bool write_active_ = false;
  std::vector<char> read_buffer_;

  // Broadcast mode.
  bool joined_ = false;          // a member of the group (never again false)
  bool sending_started_ = false; // the barrier released and this connection saw it
  bool sending_ended_ = false;   // finish_sending() was called
  bool window_full_ = false;     // the last pump() stopped for flow control
  int drained_senders_ = 0;      // BroadcastGroup::drained()'s progress
  std::uint64_t sequence_ = 0;   // of the last message sent
};

}  // namespace archbench::load
