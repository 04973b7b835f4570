// The exhaustion tests' main: `--case=<name>` runs the tests of one architecture configuration
// (every test whose parameter is that name), so each gets its own Bazel target and the targets
// run in parallel. A name that matches no test is an error, not a silent pass.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::string name;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--case=", 0) == 0) {
      name = arg.substr(7);
    } else {
      std::fprintf(stderr, "unknown argument %s (usage: --case=<name> [gtest flags])\n", argv[i]);
      return 2;
    }
  }
  if (!name.empty()) ::testing::GTEST_FLAG(filter) = "*/" + name;
  const int status = RUN_ALL_TESTS();
  if (::testing::UnitTest::GetInstance()->test_to_run_count() == 0) {
    std::fprintf(stderr, "no exhaustion test for --case=%s\n", name.c_str());
    return 1;
  }
  return status;
}
