// One load thread: its own io_context, its share of the connections, its own Stats, and a
// periodic sweep for timeouts and the end of the run. Nothing is shared between workers except
// the read-only Options, the RunPlan's atomics and, in broadcast mode, the BroadcastGroup (whose
// message path is lock-free), so there is no lock on the request path.
//
// Thread-safety: construct and read stats() on the controlling thread; run() on the worker's
// thread. stats() may be read only after run() has returned.
#pragma once

#include <asio.hpp>

#include <atomic>
#include <memory>
#include <vector>

#include "clients/load/connection.h"
#include "clients/load/options.h"
#include "clients/load/run_plan.h"
#include "clients/load/stats.h"

namespace archbench::load {

class Worker {
 public:
  // `connection_indices`: the global indices of the connections this worker owns.
  // `interrupt`: when it becomes true (Ctrl-C), the worker drops everything and returns.
  // `group`: the broadcast group every worker shares (broadcast mode), else nullptr.
  Worker(const Options& options, RunPlan& plan, const asio::ip::tcp::endpoint& endpoint,
         std::vector<std::uint32_t> connection_indices, const std::atomic<bool>* interrupt,
         BroadcastGroup* group = nullptr);

  // Blocks until every connection has finished (or the hard stop). Call once.
  void run();
  const Stats& stats() const { return stats_; }

 private:
  void arm_sweep();
  void on_sweep();

  // One thread drives this io_context, and no other thread ever touches it, so Asio's
  // internal locking is switched off.
  asio::io_context io_{ASIO_CONCURRENCY_HINT_UNSAFE};
  const Options& options_;
  RunPlan& plan_;
  Stats stats_;
  WorkerContext context_;
  const std::atomic<bool>* interrupt_;
  asio::steady_timer sweep_timer_;
  Clock::duration sweep_period_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::size_t active_ = 0;
};

}  // namespace archbench::load
