// The load generator as a library: run_load() runs one measurement (threads, connections,
// schedule, verification) in-process and returns what it measured. main.cc, the find-max search
// and the tests all drive it this way.
//
// Thread-safety: run_load() may be called from any thread; it starts options.threads threads of
// its own and joins them before returning. Concurrent calls are independent.
#pragma once

#include <asio.hpp>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "clients/load/broadcast_group.h"
#include "clients/load/options.h"
#include "clients/load/stats.h"

namespace archbench::load {

struct RunResult {
  Options options;
  asio::ip::tcp::endpoint endpoint;  // what --target resolved to
  Stats total;                       // every thread's Stats merged
  // Per thread, the replies of each interval (wrk's "Req/Sec" thread statistics).
  std::vector<std::vector<std::uint64_t>> thread_interval_requests;
  double measured_seconds = 0;  // the denominator of the throughput
  bool interrupted = false;     // stopped early by the interrupt flag
  // Broadcast mode: the group's counts (its missing copies are also in total.errors()).
  std::optional<BroadcastTotals> broadcast;

  double requests_per_second() const;
  double bytes_per_second() const;
  // Broadcast mode: copies of measured messages delivered per second, over all members.
  double deliveries_per_second() const;
  // Every reply verified, no error of any class, no refusal, and at least one measured reply.
  bool clean() const;
  // The server refused the workload as not implemented by its design (501 to the /broadcast
  // handshake) and nothing else went wrong: there is nothing to measure, and nothing failed.
  bool unsupported() const;
};

// Resolves options.host:options.port (first IPv4 address, else the first one). Throws
// std::runtime_error naming the target when it does not resolve.
asio::ip::tcp::endpoint resolve_target(const Options& options);

// Runs the load described by `options` (validate() must accept them) against `endpoint`.
// In broadcast mode the measured time starts at the barrier's release if that came after the
// warmup (no message is sent before it).
// `interrupt` (optional): set it from elsewhere (a signal handler) to end the run early.
RunResult run_load(const Options& options, const asio::ip::tcp::endpoint& endpoint,
                   const std::atomic<bool>* interrupt = nullptr);

}  // namespace archbench::load
