// --find-max --slo-p99 MS: the highest open-loop rate whose p99 (from the intended start) stays
// within the bound. A closed-loop probe measures the saturation throughput X; then a bisection
// over (0, 1.1 X] runs --find-max-steps open-loop trials of --warmup + --duration each. A trial
// passes when its p99 <= the bound, it had no error of any class, and it achieved at least 95% of
// the asked rate (a client that cannot keep up must not pass for the server).
//
// Trade-off: bisection assumes p99 grows with the rate. Near saturation it does not always
// (noise), so the answer is "a rate that passed", not a proof that every lower rate passes.
//
// Thread-safety: like run_load(), callable from any thread; runs its trials one after another.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <vector>

#include "clients/load/engine.h"

namespace archbench::load {

struct FindMaxStep {
  double rate = 0;  // asked; 0 for the closed-loop probe
  double achieved = 0;
  std::uint64_t p99_us = 0;
  ErrorCounts errors;
  bool passed = false;
};

struct FindMaxResult {
  double slo_p99_ms = 0;
  std::vector<FindMaxStep> steps;  // the probe first, then the trials in order
  double best_rate = 0;            // 0 when no trial passed
  std::optional<RunResult> best;   // the run of the best passing trial
  bool any_wrong_reply = false;    // over all steps: the server answered wrong at least once
};

// `on_step` (optional) is called after each step, e.g. to print progress.
FindMaxResult find_max_rate(const Options& options, const asio::ip::tcp::endpoint& endpoint,
                            const std::atomic<bool>* interrupt = nullptr,
                            const std::function<void(const FindMaxStep&)>& on_step = {});

}  // namespace archbench::load
