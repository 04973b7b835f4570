// The architectures under the descriptor-exhaustion tests, and what each one's design predicts.
//
// Thread-safety: plain data, built once.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace archbench::exhaustion {

// What a client sees when it connects to a server that is full.
enum class Full {
  kRefused,         // accepted and closed at once (EOF): readiness loops with a reserve descriptor
  kWaits,           // nothing: it waits in the listen backlog until there is room
  kRefusedOrWaits,  // either (see the case's comment)
};

// Whose descriptor limit LoweredLimitTest lowers: the process that accepts.
enum class Target { kServer, kChildren };

struct LoweredLimitCase {
  Target target = Target::kServer;
  // Whether a client is served (and must stay served) while the limit is lowered; false where the
  // server serves one client at a time, so an open one would keep it from accepting at all.
  bool holder = true;
  Full outcome = Full::kWaits;  // what the next client sees while the limit is lowered
};

struct ExhaustionCase {
  std::string name;  // the Bazel target and the test's parameter name
  std::string arch;  // the binary: //servers/<arch>
  std::vector<std::string> args;
  std::string protocol = "echo";
  int nofile = 16;  // prlimit --nofile=N:N
  Full when_full = Full::kWaits;
  // "out of descriptors" log lines expected once full: 1 where connections run the server out of
  // descriptors, 0 where it fills up another way first (busy workers, --max-conns).
  int episodes_when_full = 0;
  bool one_client_at_a_time = false;  // iterative: a new client needs the old one gone
  std::optional<LoweredLimitCase> lowered;  // set: LoweredLimitTest runs for this case too
};

// Every case, for FillTest.
const std::vector<ExhaustionCase>& all_cases();
// The cases whose `lowered` is set, for LoweredLimitTest.
std::vector<ExhaustionCase> lowered_limit_cases();

}  // namespace archbench::exhaustion
