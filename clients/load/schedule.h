// When a connection's next request is meant to start.
//
// Closed loop: a request starts as soon as the connection has a free slot (pipeline depth), so
// its intended start is the moment it is sent. A server that stalls also stalls the client,
// which then records the stall only once per connection: the "coordinated omission" wrk2 was
// written to avoid.
//
// Open loop (--rate R over C connections): connection i sends at
//   first + i/R + k * C/R     for k = 0, 1, 2, ...
// so together the connections send R requests per second, evenly interleaved (no synchronized
// bursts), and a rate below the number of connections simply gives each connection an interval
// over a second. Latency counts from these intended times: a request that had to wait behind a
// stalled one is charged for the wait, as its user would have been.
//
// Times are computed from the index k (not by adding intervals), so there is no drift.
//
// Thread-safety: one instance per connection, used by its thread only.
#pragma once

#include <cstdint>

#include "protocols/session.h"

namespace archbench::load {

class Schedule {
 public:
  // Closed loop.
  Schedule() = default;
  // Open loop: the schedule of connection `index` of `connections`, total `rate` per second,
  // counted from `first`.
  Schedule(double rate, int connections, int index, TimePoint first);

  bool open_loop() const { return open_loop_; }
  // Open loop: the intended start of the next request. Closed loop: `now`.
  TimePoint next(TimePoint now) const;
  // The next request was sent (or given up); move on to the one after it.
  void advance() { ++k_; }

 private:
  bool open_loop_ = false;
  TimePoint first_{};           // first + offset of this connection
  double interval_ns_ = 0;      // C / R seconds, in nanoseconds
  std::uint64_t k_ = 0;
};

}  // namespace archbench::load
