// The load generator's command line: parse, run (or search with --find-max), report, and exit
// 0 when every reply verified and nothing failed, 1 otherwise, 2 for bad flags, 3 when the
// server refused the workload as not supported by its design (501 on /broadcast).
#include <csignal>
#include <exception>
#include <iostream>

#include "clients/load/engine.h"
#include "clients/load/find_max.h"
#include "clients/load/options.h"
#include "clients/load/report.h"

namespace {

std::atomic<bool> interrupted{false};

// Distinct from 1 so that scripts can tell "cannot be measured here, by design" from a failure.
constexpr int kExitUnsupported = 3;

extern "C" void on_signal(int) { interrupted.store(true); }

int run(const archbench::load::Options& options) {
  using namespace archbench::load;
  asio::ip::tcp::endpoint endpoint;
  try {
    endpoint = resolve_target(options);
  } catch (const std::exception& error) {
    std::cerr << "load: " << error.what() << "\n";
    return 2;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  if (options.find_max) {
    const FindMaxResult result =
        find_max_rate(options, endpoint, &interrupted, [&options](const FindMaxStep& step) {
          if (options.quiet) return;
          std::cerr << "find-max: " << (step.rate == 0 ? "probe" : "rate ") << " "
                    << step.rate << " -> p99 " << step.p99_us << " us, "
                    << (step.passed ? "pass" : "fail") << "\n";
        });
    if (!options.quiet) {
      if (result.best) print_summary(std::cout, *result.best);
      print_find_max(std::cout, result);
    }
    if (!options.json_path.empty()) write_json_file(options.json_path, to_json(result));
    return result.best && !result.any_wrong_reply ? 0 : 1;
  }

  const RunResult result = run_load(options, endpoint, &interrupted);
  if (!options.quiet) print_summary(std::cout, result);
  if (!options.json_path.empty()) write_json_file(options.json_path, to_json(result));
  if (!options.log_requests.empty()) write_request_log(options.log_requests, result);
  if (result.unsupported()) return kExitUnsupported;
  return result.clean() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const auto parsed = archbench::load::parse_options(argc, argv);
  if (!parsed.options) {
    (parsed.exit_code == 0 ? std::cout : std::cerr) << parsed.message << "\n";
    return parsed.exit_code;
  }
  try {
    return run(*parsed.options);
  } catch (const std::exception& error) {
    std::cerr << "load: " << error.what() << "\n";
    return 1;
  }
}
