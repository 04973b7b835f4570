// reactor: the shared server behaviour (READY, flags, stop, echo, trace, back-pressure, timers,
// broadcast) in two layouts: 2 reactors x 2 workers round-robin, and 1 reactor x 3 workers to the
// idle worker.
#include <gtest/gtest.h>

#include "servers/testing/architecture_suite.h"

namespace archbench::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(
    Reactor, ArchitectureTest,
    ::testing::Values(ArchitectureCase{"reactor",
                                       {"--reactors", "2", "--workers", "2", "--dispatch-mode", "1"},
                                       /*concurrent=*/true,
                                       /*broadcasts=*/true},
                      ArchitectureCase{"reactor",
                                       {"--reactors", "1", "--workers", "3", "--dispatch-mode", "3",
                                        "--task-workers", "0"},
                                       /*concurrent=*/true,
                                       /*broadcasts=*/true}),
    architecture_case_name);

}  // namespace
}  // namespace archbench::testing
