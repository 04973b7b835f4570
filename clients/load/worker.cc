#include "clients/load/worker.h"

#include <algorithm>

namespace archbench::load {

namespace {

// A tenth of the timeout keeps timeouts within 10% of the bound; never busier than 1 ms, never
// lazier than 50 ms (the hard stop and Ctrl-C are noticed here too). In broadcast mode the sweep
// is also how a connection learns that the barrier released or the drain ended on another
// thread (io_contexts run without locks, so threads cannot post to each other): 2 ms at most.
Clock::duration sweep_period(const Options& options) {
  const auto most = options.broadcast() ? std::chrono::milliseconds(2)
                                        : std::chrono::milliseconds(50);
  return std::clamp<Clock::duration>(std::chrono::milliseconds(options.timeout_ms) / 10,
                                     std::chrono::milliseconds(1), most);
}

}  // namespace

Worker::Worker(const Options& options, RunPlan& plan, const asio::ip::tcp::endpoint& endpoint,
               std::vector<std::uint32_t> connection_indices, const std::atomic<bool>* interrupt,
               BroadcastGroup* group)
    : options_(options),
      plan_(plan),
      stats_(plan.start(), plan.measure_start(), std::chrono::milliseconds(options.interval_ms),
             !options.log_requests.empty()),
      context_{io_, options, plan, stats_, endpoint,
               [this] {
                 if (--active_ == 0) sweep_timer_.cancel();  // let io_.run() return now
               },
               group},
      interrupt_(interrupt),
      sweep_timer_(io_),
      sweep_period_(sweep_period(options)) {
  for (std::uint32_t index : connection_indices) {
    TimePoint start_at = plan.start();
    if (options.connect_rate > 0) {
      start_at += std::chrono::round<Clock::duration>(
          std::chrono::duration<double>(index / options.connect_rate));
    }
    connections_.push_back(std::make_unique<Connection>(context_, index, start_at));
  }
  active_ = connections_.size();
}

void Worker::run() {
  for (auto& connection : connections_) connection->start();
  arm_sweep();
  io_.run();
  // Destroy the connections (closing their sockets) while the io_context is alive.
  connections_.clear();
}

void Worker::arm_sweep() {
  if (active_ == 0) return;  // nothing left: let io_.run() return
  sweep_timer_.expires_after(sweep_period_);
  sweep_timer_.async_wait([this](const std::error_code& error) {
    if (!error) on_sweep();
  });
}

void Worker::on_sweep() {
  const TimePoint now = Clock::now();
  const bool interrupted = interrupt_ != nullptr && interrupt_->load(std::memory_order_relaxed);
  if (interrupted) plan_.stop();
  const bool hard_stop = interrupted || now >= plan_.hard_stop();
  for (auto& connection : connections_) {
    if (connection->finished()) continue;
    if (hard_stop) {
      connection->abort(/*settle=*/!interrupted);
    } else {
      connection->sweep(now);
    }
  }
  arm_sweep();
}

}  // namespace archbench::load
