#include "clients/load/find_max.h"

namespace archbench::load {
namespace {

constexpr double kHeadroom = 1.1;        // the search's upper end, over the probe's throughput
constexpr double kMinAchieved = 0.95;    // a trial must deliver this share of its rate

FindMaxStep summarize(const RunResult& run, double rate, double slo_us) {
  FindMaxStep step;
  step.rate = rate;
  step.achieved = run.requests_per_second();
  step.p99_us = run.total.latency().value_at_percentile(99.0);
  step.errors = run.total.errors();
  step.passed = rate > 0 && run.clean() && static_cast<double>(step.p99_us) <= slo_us &&
                step.achieved >= kMinAchieved * rate;
  return step;
}

}  // namespace

FindMaxResult find_max_rate(const Options& options, const asio::ip::tcp::endpoint& endpoint,
                            const std::atomic<bool>* interrupt,
                            const std::function<void(const FindMaxStep&)>& on_step) {
  FindMaxResult result;
  result.slo_p99_ms = options.slo_p99_ms;
  const double slo_us = options.slo_p99_ms * 1000.0;
  auto interrupted = [interrupt] { return interrupt != nullptr && interrupt->load(); };

  Options trial = options;
  trial.find_max = false;
  trial.slo_p99_ms = 0;
  trial.log_requests.clear();  // one log of many runs would mix them

  trial.rate = 0;
  const RunResult probe = run_load(trial, endpoint, interrupt);
  result.steps.push_back(summarize(probe, 0, slo_us));
  result.any_wrong_reply = probe.total.errors().wrong_reply > 0;
  if (on_step) on_step(result.steps.back());

  double low = 0;
  double high = options.rate > 0 ? options.rate : kHeadroom * probe.requests_per_second();
  for (int i = 0; i < options.find_max_steps && high > 0 && !interrupted(); ++i) {
    trial.rate = (low + high) / 2;
    RunResult run = run_load(trial, endpoint, interrupt);
    FindMaxStep step = summarize(run, trial.rate, slo_us);
    result.any_wrong_reply = result.any_wrong_reply || step.errors.wrong_reply > 0;
    result.steps.push_back(step);
    if (on_step) on_step(step);
    if (step.passed) {
      low = trial.rate;
      result.best_rate = trial.rate;
      result.best = std::move(run);
    } else {
      high = trial.rate;
    }
  }
  return result;
}

}  // namespace archbench::load
