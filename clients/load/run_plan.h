// The time line of one run and the admission rule every connection asks before sending:
//
//   start ── warmup ── measure_start ── measured ── measure_end ── drain (≤ timeout) ── hard_stop
//
// A request belongs to the measurement when its intended start is in [measure_start,
// measure_end); only those feed the histograms, the throughput and the request log (errors are
// counted over the whole run, warmup included: a wrong reply is wrong whenever it happens).
// With --requests N there is no measure_end: the first N requests intended after
// measure_start are admitted, then no more.
//
// Thread-safety: the times are fixed at construction; admit() and stop() may be called from
// every load thread at once (the request tickets and the stop flag are atomics).
#pragma once

#include <atomic>
#include <cstdint>

#include "clients/load/options.h"
#include "protocols/session.h"

namespace archbench::load {

class RunPlan {
 public:
  RunPlan(const Options& options, TimePoint start);

  TimePoint start() const { return start_; }
  TimePoint measure_start() const { return measure_start_; }
  // TimePoint::max() in --requests mode.
  TimePoint measure_end() const { return measure_end_; }
  // After this nothing is waited for (TimePoint::max() in --requests mode).
  TimePoint hard_stop() const { return hard_stop_; }

  enum class Admission {
    kWarmup,    // send it, do not measure it
    kMeasured,  // send it and measure it
    kClosed,    // the run takes no more requests
  };
  // Whether a request intended to start at `intended` may be sent. In --requests mode a
  // kMeasured answer consumes one of the N tickets, so call it once per request actually sent.
  Admission admit(TimePoint intended);

  // True once the run takes no more requests at `now` (the plan's end passed, the tickets are
  // gone, or stop() was called). Never consumes a ticket.
  bool closed(TimePoint now) const;

  // Ends the run early (Ctrl-C): no more admissions; connections drop what is in flight.
  void stop() { stopped_.store(true, std::memory_order_relaxed); }
  bool stopped() const { return stopped_.load(std::memory_order_relaxed); }

 private:
  TimePoint start_;
  TimePoint measure_start_;
  TimePoint measure_end_;
  TimePoint hard_stop_;
  std::uint64_t ticket_limit_;  // 0: by duration
  std::atomic<std::uint64_t> tickets_taken_{0};
  std::atomic<bool> stopped_{false};
};

// Converts a duration to whole microseconds, never negative (clock reads on different threads
// and lateness of timers that fire early can produce small negative differences).
inline std::uint64_t to_micros(Clock::duration d) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return us > 0 ? static_cast<std::uint64_t>(us) : 0;
}

}  // namespace archbench::load
