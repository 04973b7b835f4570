// event_loop: the shared server behaviour, plus running out of descriptors.
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "servers/testing/architecture_suite.h"
#include "servers/testing/server_process.h"
#include "servers/testing/test_connection.h"

namespace archbench::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(EventLoop, ArchitectureTest,
                         ::testing::Values(ArchitectureCase{"event_loop", {}, true, true}),
                         architecture_case_name);

using std::chrono::milliseconds;
using std::chrono::seconds;

// CPU seconds (user + system) the process has used, from /proc/<pid>/stat.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(in, text);
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return static_cast<double>(utime + stime) / ::sysconf(_SC_CLK_TCK);
}

// Past the descriptor limit, a new connection is accepted with the reserve descriptor and
// closed (EOF + log line), the loop does not spin on the ever-readable listen socket, and the
// connections it has keep being served.
TEST(EventLoopTest, OutOfDescriptorsRefusesWithoutABusyLoop) {
  ServerProcess server("/bin/sh", {"-c", "ulimit -n 16 && exec " +
                                             ServerProcess::server_binary("event_loop") +
                                             " --protocol echo"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  std::vector<TestConnection> clients;
  int served = 0, refused = 0;
  for (int i = 0; i < 16; ++i) {
    clients.push_back(TestConnection::connect(server.port()));
    ASSERT_TRUE(clients.back().ok()) << clients.back().error();
    ASSERT_TRUE(clients.back().send_all("x"));
    if (clients.back().read_exactly(1, seconds(5)) == "x") {
      ++served;
    } else if (clients.back().saw_eof() || clients.back().saw_reset()) {
      ++refused;
    }
  }
  EXPECT_GT(served, 0);
  EXPECT_GT(refused, 0);
  EXPECT_EQ(served + refused, 16);
  EXPECT_NE(server.stderr_text().find("out of descriptors"), std::string::npos)
      << server.stderr_text();

  // Idle while full, with refused clients' connects still arriving: no spinning.
  const double cpu_before = cpu_seconds(server.pid());
  for (int i = 0; i < 5; ++i) {
    TestConnection extra = TestConnection::connect(server.port());
    EXPECT_EQ(extra.read_until_eof(seconds(5)), "");
  }
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_LT(cpu_seconds(server.pid()) - cpu_before, 0.25) << "the loop spins";

  for (auto& c : clients) {
    if (c.saw_eof() || c.saw_reset()) continue;
    ASSERT_TRUE(c.send_all("again"));
    EXPECT_EQ(c.read_exactly(5), "again");
  }
}

}  // namespace
}  // namespace archbench::testing
