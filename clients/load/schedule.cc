#include "clients/load/schedule.h"

#include <chrono>

namespace archbench::load {

Schedule::Schedule(double rate, int connections, int index, TimePoint first)
    : open_loop_(true),
      first_(first + std::chrono::round<Clock::duration>(
                         std::chrono::duration<double>(index / rate))),
      interval_ns_(1e9 * connections / rate) {}

TimePoint Schedule::next(TimePoint now) const {
  if (!open_loop_) return now;
  return first_ + std::chrono::round<Clock::duration>(
                      std::chrono::duration<double, std::nano>(interval_ns_ * k_));
}

}  // namespace archbench::load
