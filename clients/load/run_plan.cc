#include "clients/load/run_plan.h"

#include <chrono>

namespace archbench::load {
namespace {

Clock::duration seconds(double s) {
  return std::chrono::round<Clock::duration>(std::chrono::duration<double>(s));
}

}  // namespace

RunPlan::RunPlan(const Options& options, TimePoint start)
    : start_(start),
      measure_start_(start + seconds(options.warmup_s)),
      measure_end_(options.requests > 0 ? TimePoint::max()
                                        : measure_start_ + seconds(options.duration_s)),
      // Every request admitted before measure_end has either finished or timed out by
      // measure_end + timeout; the second on top covers the timeout sweep's granularity.
      hard_stop_(options.requests > 0 ? TimePoint::max()
                                      : measure_end_ + std::chrono::milliseconds(options.timeout_ms) +
                                            std::chrono::seconds(1)),
      ticket_limit_(options.requests) {}

RunPlan::Admission RunPlan::admit(TimePoint intended) {
  if (stopped()) return Admission::kClosed;
  if (intended < measure_start_) return Admission::kWarmup;
  if (ticket_limit_ == 0) {
    return intended < measure_end_ ? Admission::kMeasured : Admission::kClosed;
  }
  // relaxed: the counter only hands out distinct numbers; nothing else is published with it.
  if (tickets_taken_.fetch_add(1, std::memory_order_relaxed) < ticket_limit_) {
    return Admission::kMeasured;
  }
  return Admission::kClosed;
}

bool RunPlan::closed(TimePoint now) const {
  if (stopped()) return true;
  if (ticket_limit_ == 0) return now >= measure_end_;
  return tickets_taken_.load(std::memory_order_relaxed) >= ticket_limit_;
}

}  // namespace archbench::load
