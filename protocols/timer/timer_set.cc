#include "protocols/timer/timer_set.h"

#include <algorithm>
#include <stdexcept>

namespace archbench::timer {
namespace {

// Compact only past this many entries: rebuilding a tiny heap costs more than it saves.
constexpr std::size_t kCompactionFloor = 64;

}  // namespace

TimerId TimerSet::after(TimePoint now, Duration delay, std::uint64_t tag) {
  if (delay < Duration::zero()) delay = Duration::zero();
  // A one-shot timer is a periodic timer with one tick: due at now + 1 * delay.
  return add(now, delay, 1, tag);
}

TimerId TimerSet::tick(TimePoint start, Duration interval, std::uint64_t count,
                       std::uint64_t tag) {
  if (interval <= Duration::zero()) {
    throw std::invalid_argument("timer: a periodic timer needs an interval > 0");
  }
  return add(start, interval, count, tag);
}

TimerId TimerSet::add(TimePoint start, Duration interval, std::uint64_t count,
                      std::uint64_t tag) {
  const TimerId id = next_id_++;
  timers_.emplace(id, Timer{start, interval, count, 0, tag});
  push(start + interval, id);
  return id;
}

bool TimerSet::cancel(TimerId id) {
  if (timers_.erase(id) == 0) return false;
  discard_stale();
  return true;
}

void TimerSet::clear() {
  heap_.clear();
  timers_.clear();
}

std::optional<TimePoint> TimerSet::next_deadline() const {
  // discard_stale() keeps the top live, so the top is the answer.
  if (heap_.empty()) return std::nullopt;
  return heap_.front().deadline;
}

std::size_t TimerSet::pop_due(TimePoint now, std::vector<Fired>& fired, std::size_t limit) {
  std::size_t count = 0;
  while (count < limit && !heap_.empty() && heap_.front().deadline <= now) {
    const Entry entry = pop_top();
    const auto it = timers_.find(entry.id);
    if (it == timers_.end()) continue;  // cancelled; its entry surfaced only now
    Timer& timer = it->second;
    ++timer.fired;
    const bool last = timer.count != kForever && timer.fired >= timer.count;
    fired.push_back(Fired{entry.id, timer.tag, timer.fired, entry.deadline, last});
    ++count;
    if (last) {
      timers_.erase(it);
    } else {
      // From the start, not from now or from the last deadline: no drift, however late.
      const auto ordinal = static_cast<Duration::rep>(timer.fired + 1);
      push(timer.start + timer.interval * ordinal, entry.id);
    }
  }
  discard_stale();
  return count;
}

void TimerSet::push(TimePoint deadline, TimerId id) {
  heap_.push_back(Entry{deadline, next_sequence_++, id});
  std::push_heap(heap_.begin(), heap_.end(), later);
}

TimerSet::Entry TimerSet::pop_top() {
  std::pop_heap(heap_.begin(), heap_.end(), later);
  const Entry entry = heap_.back();
  heap_.pop_back();
  return entry;
}

void TimerSet::discard_stale() {
  while (!heap_.empty() && timers_.count(heap_.front().id) == 0) pop_top();
  // Every live timer has exactly one entry, so the rest are stale. Rebuilding is O(n); doing it
  // only when stale entries outnumber live ones keeps it amortised O(1) per cancel.
  if (heap_.size() > kCompactionFloor && heap_.size() > 2 * timers_.size()) {
    std::erase_if(heap_, [this](const Entry& e) { return timers_.count(e.id) == 0; });
    std::make_heap(heap_.begin(), heap_.end(), later);
  }
}

}  // namespace archbench::timer
