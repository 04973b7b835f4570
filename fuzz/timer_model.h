// A reference model of --protocol timer (protocols/timer/timer_session.h), for the timer fuzz
// target to compare the real TimerSession with, call by call.
//
// Written from the documentation, not from the implementation: the grammar of timer_command.h
// (checked against parse_timer_command, whose refusal texts it then borrows: the wording is the
// implementation's to choose), the replies and decisions of timer_session.h, and the firing
// order of timer_set.h (earliest deadline first, ties in the order the timers were scheduled, a
// periodic timer's k-th tick at start + k * interval). Where the real code keeps a heap with
// lazy cancellation, the model keeps an ordered set and erases at once.
//
// Thread-safety: one model per fuzz run, one thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>

#include "protocols/session.h"

namespace archbench::fuzz {

class TimerModel {
 public:
  // What TimerSession::on_bytes must write; `close` is set when it must close.
  std::string on_bytes(std::string_view data, TimePoint now, bool& close);
  std::string on_deadline(TimePoint now);
  void on_peer_closed();

  std::optional<TimePoint> next_deadline() const;
  std::size_t active_timers() const { return timers_.size(); }

 private:
  struct Timer {
    bool tick = false;
    std::string name;
    TimePoint start;
    std::chrono::milliseconds interval{0};
    std::uint64_t count = 1;
    std::uint64_t fired = 0;
  };
  using Entry = std::tuple<TimePoint, std::uint64_t, std::uint64_t>;  // deadline, sequence, timer

  void fire_due(TimePoint now, std::string& out);
  void handle_line(std::string_view line, TimePoint now, std::string& out);
  void schedule(std::uint64_t id, TimePoint deadline);
  void close();

  std::map<std::uint64_t, Timer> timers_;
  std::map<std::string, std::uint64_t, std::less<>> by_name_;
  std::set<Entry> entries_;
  std::map<std::uint64_t, Entry> entry_of_;
  std::uint64_t next_id_ = 1;
  std::uint64_t next_sequence_ = 0;
  std::string pending_;  // an unfinished line
  bool closed_ = false;
};

}  // namespace archbench::fuzz
