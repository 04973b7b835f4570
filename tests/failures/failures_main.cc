// main() of every failures test: GoogleTest's flags first, then the target's (see
// server_under_test.h, parse_target_flags), set by failures_test() in failures_test.bzl:
//
//   failures_test_prefork --arch=prefork --server-arg=--workers --server-arg=4 --capacity=4
//                         --long-lived-children [--header-timeout-ms=1000]
//
// Thread-safety: runs on the main thread before any test.
#include <gtest/gtest.h>
#include <signal.h>

#include <iostream>
#include <string>

#include "tests/failures/server_under_test.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::string error;
  if (!archbench::failures::parse_target_flags(argc, argv, error)) {
    std::cerr << argv[0] << ": " << error << "\n";
    return 2;
  }
  // The cases write to connections the server may have closed; the helpers all pass
  // MSG_NOSIGNAL, and this keeps any other write from killing the test instead of failing it.
  ::signal(SIGPIPE, SIG_IGN);
  return RUN_ALL_TESTS();
}
