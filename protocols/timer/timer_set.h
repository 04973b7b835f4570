// A set of one-shot and periodic timers that any event loop can drive through "next deadline".
//
// The set reads no clock: every call that needs the time takes it as an argument. A loop asks
// next_deadline() for its poll timeout (epoll_wait, select, a condition variable, a test's
// simulated clock), and after waking calls pop_due(now) to learn which timers fired. Nothing is
// called back: pop_due returns ids (and a small caller-chosen tag, e.g. a file descriptor or a
// slot index) and the caller dispatches. That keeps the set free of std::function allocations
// and lets a Session, an epoll loop or a reactor worker use the same code for its own timers.
//
// Periodic timers have no drift: the k-th tick of tick(start, interval, count) is due at exactly
// start + k * interval, however late the previous ones were popped.
//
// A late loop: when pop_due(now) runs after several ticks of one timer have come due, each due
// tick fires once, in order (catch-up), each reporting its own deadline. The alternative,
// skipping missed ticks (what timerfd reports as an overrun count, or what setInterval-style
// timers do), would lose ticks that the timer protocol promises: `TICK ms count id` must send
// exactly `count` lines, and the client measures lateness from the deadlines, not from the
// number of lines. A caller that prefers fairness over catching up in one go passes a `limit` to
// pop_due and polls again (the rest stays due).
//
// Data structure: a binary min-heap of (deadline, sequence) with lazy cancellation. cancel()
// only forgets the timer; its heap entry is discarded when it reaches the top (or in a
// compaction once stale entries outnumber live ones), so cancel is O(1) and the heap never
// holds more than about twice the live timers. The top is kept live, so next_deadline() is O(1)
// and exact. A hierarchical timing wheel would make add/cancel O(1) too, but it rounds
// deadlines to its slot width and finding the next deadline means scanning slots; with at most
// thousands of timers per loop and millisecond protocol deadlines, O(log n) exact ordering is
// the simpler, more precise choice. Equal deadlines fire in the order they were scheduled.
//
// Ids are never reused (a 64-bit counter), so a stale id held by a caller can never cancel a
// newer timer.
//
// Thread-safety: none. A TimerSet belongs to one thread (one loop or one session); use it from
// that thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <unordered_map>
#include <vector>

namespace archbench::timer {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = Clock::duration;
using TimerId = std::uint64_t;

// Never returned by the set; callers can use it as "no timer".
inline constexpr TimerId kNoTimer = 0;
// A tick() count meaning "until cancelled".
inline constexpr std::uint64_t kForever = 0;

// One firing, as pop_due reports it.
struct Fired {
  TimerId id = kNoTimer;
  std::uint64_t tag = 0;      // what the caller passed to after()/tick()
  std::uint64_t ordinal = 0;  // 1 for a one-shot timer; k (1, 2, ...) for the k-th tick
  TimePoint deadline;         // when it was due; now - deadline is how late it fired
  bool last = false;          // the timer is finished and its id no longer active
};

class TimerSet {
 public:
  // A one-shot timer due at now + delay (a negative delay counts as zero).
  TimerId after(TimePoint now, Duration delay, std::uint64_t tag = 0);

  // A periodic timer: tick k (k = 1..count, or forever for kForever) is due at
  // start + k * interval. Throws std::invalid_argument unless interval > 0 (a zero interval
  // would make a catch-up loop endless).
  TimerId tick(TimePoint start, Duration interval, std::uint64_t count, std::uint64_t tag = 0);

  // Stops a timer; nothing of it fires any more. False when `id` is not active (unknown,
  // already finished or already cancelled).
  bool cancel(TimerId id);

  bool active(TimerId id) const { return timers_.count(id) != 0; }
  std::size_t size() const { return timers_.size(); }
  bool empty() const { return timers_.empty(); }
  void clear();

  // The earliest deadline of an active timer; nullopt when there is none. O(1).
  std::optional<TimePoint> next_deadline() const;

  // Appends to `fired` every firing due at or before `now`, earliest first (ties in scheduling
  // order), at most `limit` of them; returns how many it appended. Periodic timers are
  // rescheduled; finished ones become inactive (Fired::last).
  std::size_t pop_due(TimePoint now, std::vector<Fired>& fired,
                      std::size_t limit = std::numeric_limits<std::size_t>::max());

  // Heap entries, live and stale (for tests of the compaction bound).
  std::size_t heap_entries() const { return heap_.size(); }

 private:
  struct Timer {
    TimePoint start;
    Duration interval;
    std::uint64_t count;  // kForever or the number of firings
    std::uint64_t fired;  // firings so far
    std::uint64_t tag;
  };
  struct Entry {
    TimePoint deadline;
    std::uint64_t sequence;  // scheduling order: breaks ties between equal deadlines
    TimerId id;
  };
  // std::*_heap build a max-heap; "later" first in the comparison makes it a min-heap.
  static bool later(const Entry& a, const Entry& b) {
    if (a.deadline != b.deadline) return a.deadline > b.deadline;
    return a.sequence > b.sequence;
  }

  TimerId add(TimePoint start, Duration interval, std::uint64_t count, std::uint64_t tag);
  void push(TimePoint deadline, TimerId id);
  Entry pop_top();
  // Restores "the top entry is live" after cancel or pop, and compacts when stale entries
  // dominate.
  void discard_stale();

  std::vector<Entry> heap_;
  std::unordered_map<TimerId, Timer> timers_;
  TimerId next_id_ = 1;
  std::uint64_t next_sequence_ = 0;
};

}  // namespace archbench::timer
