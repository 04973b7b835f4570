// DeadlineHeap: "which connection needs a wake-up next?" in O(log n), for loops with many
// connections (the epoll loop, the reactor threads).
//
// A lazy min-heap: rescheduling pushes a new entry and remembers it as the current one; outdated
// entries are skipped when they surface. That keeps schedule() cheap (most calls change nothing
// and return at once) at the price of a few dead entries, which are dropped as they reach the top
// and are bounded by compaction when they outnumber live ones.
//
// Thread-safety: owned and used by one loop thread.
#pragma once

#include <cstdint>
#include <optional>
#include <queue>
#include <unordered_map>
#include <vector>

#include "protocols/session.h"

namespace archbench {

class DeadlineHeap {
 public:
  // `key`'s next wake-up is `deadline` (nullopt: none). Replaces any earlier schedule of key.
  void schedule(int key, std::optional<TimePoint> deadline);
  // Drops key's schedule (its connection is gone; the key may be reused afterwards).
  void forget(int key);
  // The earliest live deadline.
  std::optional<TimePoint> earliest();
  // Removes and returns every key whose deadline is <= now, earliest first.
  std::vector<int> pop_due(TimePoint now);

  std::size_t live() const { return current_.size(); }

 private:
  struct Entry {
    TimePoint when;
    int key;
    std::uint64_t version;
    bool operator>(const Entry& other) const { return when > other.when; }
  };
  struct Current {
    TimePoint when;
    std::uint64_t version;
  };
  bool is_live(const Entry& entry) const;
  void drop_dead_top();
  void compact_if_bloated();

  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap_;
  std::unordered_map<int, Current> current_;
  std::uint64_t next_version_ = 1;
};

}  // namespace archbench
