#include "clients/load/engine.h"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <thread>

#include "clients/load/run_plan.h"
#include "clients/load/worker.h"

namespace archbench::load {

double RunResult::requests_per_second() const {
  return measured_seconds > 0 ? static_cast<double>(total.requests()) / measured_seconds : 0.0;
}

double RunResult::bytes_per_second() const {
  return measured_seconds > 0 ? static_cast<double>(total.bytes_read()) / measured_seconds : 0.0;
}

double RunResult::deliveries_per_second() const {
  return broadcast && measured_seconds > 0
             ? static_cast<double>(broadcast->deliveries) / measured_seconds
             : 0.0;
}

bool RunResult::clean() const {
  return total.errors().total() == 0 && total.requests() > 0 && total.refusals() == 0;
}

bool RunResult::unsupported() const {
  return total.refusals() > 0 && total.errors().total() == 0 && total.requests() == 0;
}

asio::ip::tcp::endpoint resolve_target(const Options& options) {
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  std::error_code error;
  const auto results = resolver.resolve(options.host, std::to_string(options.port), error);
  if (error || results.empty()) {
    throw std::runtime_error("cannot resolve " + options.target() + ": " +
                             (error ? error.message() : "no address"));
  }
  for (const auto& entry : results) {
    if (entry.endpoint().address().is_v4()) return entry.endpoint();
  }
  return results.begin()->endpoint();
}

RunResult run_load(const Options& options, const asio::ip::tcp::endpoint& endpoint,
                   const std::atomic<bool>* interrupt) {
  const TimePoint start = Clock::now();
  RunPlan plan(options, start);
  std::optional<BroadcastGroup> group;
  if (options.broadcast()) {
    // Every connection gets --timeout from its own start (the --connect-rate ramp) to join.
    const double last_start_s =
        options.connect_rate > 0 ? (options.connections - 1) / options.connect_rate : 0.0;
    group.emplace(options.connections,
                  start + std::chrono::round<Clock::duration>(
                              std::chrono::duration<double>(last_start_s)) +
                      std::chrono::milliseconds(options.timeout_ms));
  }

  // Connection i goes to thread i % T: neighbours in the open-loop schedule land on different
  // threads, so each thread's share of the rate is spread evenly in time too.
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < options.threads; ++t) {
    std::vector<std::uint32_t> indices;
    for (int i = t; i < options.connections; i += options.threads) {
      indices.push_back(static_cast<std::uint32_t>(i));
    }
    workers.push_back(std::make_unique<Worker>(options, plan, endpoint, std::move(indices),
                                               interrupt, group ? &*group : nullptr));
  }
  std::vector<std::thread> threads;
  for (auto& worker : workers) threads.emplace_back([&worker] { worker->run(); });
  for (auto& thread : threads) thread.join();

  RunResult result{options, endpoint,
                   Stats(plan.start(), plan.measure_start(),
                         std::chrono::milliseconds(options.interval_ms),
                         !options.log_requests.empty()),
                   {}, 0, plan.stopped(), std::nullopt};
  for (const auto& worker : workers) {
    result.total.merge(worker->stats());
    std::vector<std::uint64_t> per_interval;
    for (const auto& row : worker->stats().intervals()) per_interval.push_back(row.requests);
    result.thread_interval_requests.push_back(std::move(per_interval));
  }

  TimePoint measured_start = plan.measure_start();
  if (group) {
    result.broadcast = group->totals(start);
    result.total.errors().missing += result.broadcast->missing;
    if (group->has_released()) {
      measured_start = std::max(measured_start, group->released_at());
    }
  }

  const TimePoint end_of_replies = result.total.last_reply();
  TimePoint measured_end;
  if (options.requests > 0) {
    measured_end = end_of_replies;
  } else if (result.interrupted) {
    measured_end = std::min(plan.measure_end(), Clock::now());
  } else {
    measured_end = plan.measure_end();
  }
  result.measured_seconds =
      std::max(0.0, std::chrono::duration<double>(measured_end - measured_start).count());
  return result;
}

}  // namespace archbench::load
