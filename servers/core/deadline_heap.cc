#include "servers/core/deadline_heap.h"

namespace archbench {

void DeadlineHeap::schedule(int key, std::optional<TimePoint> deadline) {
  auto it = current_.find(key);
  if (!deadline) {
    if (it != current_.end()) current_.erase(it);
    return;
  }
  if (it != current_.end() && it->second.when == *deadline) return;  // Unchanged: the common case.
  const std::uint64_t version = next_version_++;
  current_[key] = Current{*deadline, version};
  heap_.push(Entry{*deadline, key, version});
  compact_if_bloated();
}

void DeadlineHeap::forget(int key) { current_.erase(key); }

bool DeadlineHeap::is_live(const Entry& entry) const {
  auto it = current_.find(entry.key);
  return it != current_.end() && it->second.version == entry.version;
}

void DeadlineHeap::drop_dead_top() {
  while (!heap_.empty() && !is_live(heap_.top())) heap_.pop();
}

std::optional<TimePoint> DeadlineHeap::earliest() {
  drop_dead_top();
  if (heap_.empty()) return std::nullopt;
  return heap_.top().when;
}

std::vector<int> DeadlineHeap::pop_due(TimePoint now) {
  std::vector<int> due;
  for (drop_dead_top(); !heap_.empty() && heap_.top().when <= now; drop_dead_top()) {
    due.push_back(heap_.top().key);
    current_.erase(heap_.top().key);
    heap_.pop();
  }
  return due;
}

void DeadlineHeap::compact_if_bloated() {
  // Rebuild from the live entries when dead ones dominate, so memory stays O(live).
  if (heap_.size() < 64 || heap_.size() < 4 * current_.size()) return;
  std::vector<Entry> live;
  live.reserve(current_.size());
  for (const auto& [key, current] : current_) live.push_back(Entry{current.when, key, current.version});
  heap_ = decltype(heap_)(std::greater<Entry>(), std::move(live));
}

}  // namespace archbench
