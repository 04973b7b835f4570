// --protocol timer: the line protocol of timer_command.h over a connection.
//
// Lines end with "\r\n" both ways; a bare "\n" from the client is accepted. Replies:
//   FIRED <id>       an AFTER timer came due
//   TICK <id> <k>    the k-th tick (k = 1..count) of a TICK timer
//   ERR <reason>     the line was not a valid command (no other line is ever acknowledged)
//
// Decisions (each has a test that sends it):
// - Every parse failure of timer_command.h is an ERR; the connection stays open.
// - A duplicate id of a still-active timer → "ERR duplicate id <id>"; once a timer has finished
//   (FIRED, or its last TICK) or was cancelled, its id may be used again.
// - CANCEL of an unknown id → "ERR unknown id <id>", not silence: it catches typos, and a client
//   racing a timer that was just due can still tell, because the server writes in order: the
//   FIRED/last TICK line for that id comes before the ERR.
// - More than kMaxTimersPerConnection active timers → "ERR too many timers (limit 10000)".
// - A line longer than kMaxLineLength bytes (terminator excluded) → "ERR line too long", then
//   the connection closes (with a log line): without a terminator in sight we cannot resync.
// - The peer closing its side closes the connection; pending timers are dropped.
//
// Timing: all lines of one read happen at the driver's `now`. Timers due at or before `now` fire
// first (so a CANCEL that arrives after its deadline is too late, whatever order the driver
// called us in), then the commands run, then anything they made due at once (AFTER 0) fires, so
// its reply leaves with this read's replies.
//
// Thread-safety: one connection's state, used by one thread at a time (see Session).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocols/framing/eof_framer.h"
#include "protocols/session.h"
#include "protocols/timer/timer_set.h"

namespace archbench::timer {

inline constexpr std::size_t kMaxTimersPerConnection = 10'000;
inline constexpr std::size_t kMaxLineLength = 1024;

class TimerSession final : public Session {
 public:
  TimerSession();

  void on_bytes(std::string_view data, const Now& now, SessionOutput& out) override;
  void on_peer_closed(const Now& now, SessionOutput& out) override;
  std::optional<TimePoint> next_deadline() const override;
  void on_deadline(const Now& now, SessionOutput& out) override;

  // Active timers (for tests and for a driver's statistics).
  std::size_t active_timers() const { return timers_.size(); }

 private:
  void handle_line(std::string_view line, TimePoint now, std::string& out);
  void fire_due(TimePoint now, std::string& out);
  void close(SessionOutput& out);

  framing::EofFramer lines_;
  TimerSet timers_;
  std::unordered_map<std::string, TimerId> by_name_;  // the client's id -> timer
  std::unordered_map<TimerId, std::string> names_;    // timer -> the client's id
  std::vector<Fired> fired_;                          // reused by fire_due
  bool closed_ = false;
};

// The factory the session factory calls for Protocol::kTimer (the config is not used: the
// timer protocol has its own fixed limits, above).
std::unique_ptr<Session> make_timer_session(const ProtocolConfig& config);

}  // namespace archbench::timer
