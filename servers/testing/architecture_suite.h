// ArchitectureTest: the behaviour every server binary shares (DESIGN.md, "Interfaces"), as a
// value-parameterized GoogleTest suite each architecture instantiates in its own test:
//
//   #include "servers/testing/architecture_suite.h"
//   INSTANTIATE_TEST_SUITE_P(Prefork, archbench::testing::ArchitectureTest,
//       ::testing::Values(archbench::testing::ArchitectureCase{"prefork", {"--workers", "4"},
//                                                              /*concurrent=*/true}),
//       archbench::testing::architecture_case_name);
//
// with data = ["//servers/prefork"] and deps = ["//servers/testing:architecture_suite"].
// Cases: READY on port 0; port taken -> exit 1 + message; bad flags -> exit 2; --help -> 0;
// SIGTERM/SIGINT -> exit 0 within 2 s with clients connected and no child left; echo of random
// data over many connections at once, byte for byte; --trace names pid and tid; and, for
// concurrent architectures, a client that stops reading does not stop the others; timers fire
// with no input (timer protocol); WebSocket /broadcast reaches every member, or is refused with
// 501 where the architecture cannot share connections.
//
// Thread-safety: GoogleTest runs each case on the main thread; cases start their own threads.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace archbench::testing {

struct ArchitectureCase {
  std::string id;                       // "iterative": binary //servers/iterative
  std::vector<std::string> extra_args;  // architecture flags for every start
  bool concurrent = true;               // serves several connections at once
  bool broadcasts = false;              // WebSocket /broadcast works (else: refused with 501)
};

std::string architecture_case_name(const ::testing::TestParamInfo<ArchitectureCase>& info);

class ArchitectureTest : public ::testing::TestWithParam<ArchitectureCase> {
 protected:
  // The binary's path and `args` after the case's extra_args.
  std::string binary() const;
  std::vector<std::string> args(std::vector<std::string> more) const;
};

}  // namespace archbench::testing
