// select_loop: the shared server behaviour, and the refusal past --max-conns.
#include <sys/wait.h>

#include <gtest/gtest.h>

#include "servers/testing/architecture_suite.h"
#include "servers/testing/server_process.h"
#include "servers/testing/test_connection.h"

namespace archbench::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(SelectLoop, ArchitectureTest,
                         ::testing::Values(ArchitectureCase{"select_loop", {}, true, true}),
                         architecture_case_name);

using std::chrono::milliseconds;
using std::chrono::seconds;

// Connects and proves the server serves the connection (so it counts against --max-conns).
TestConnection served_connection(std::uint16_t port, const std::string& tag) {
  TestConnection c = TestConnection::connect(port);
  EXPECT_TRUE(c.ok()) << c.error();
  EXPECT_TRUE(c.send_all(tag));
  EXPECT_EQ(c.read_exactly(tag.size()), tag);
  return c;
}

TEST(SelectLoopTest, RefusesConnectionsPastMaxConnsAndKeepsServingTheOthers) {
  ServerProcess server(ServerProcess::server_binary("select_loop"),
                       {"--protocol", "echo", "--max-conns", "3"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  std::vector<TestConnection> admitted;
  for (int i = 0; i < 3; ++i) admitted.push_back(served_connection(server.port(), "in" + std::to_string(i)));

  TestConnection refused = TestConnection::connect(server.port());
  ASSERT_TRUE(refused.ok()) << refused.error();  // The kernel accepts; the server then closes.
  EXPECT_EQ(refused.read_until_eof(seconds(5)), "");
  EXPECT_TRUE(refused.saw_eof() || refused.saw_reset());
  EXPECT_NE(server.stderr_text().find("--max-conns 3"), std::string::npos) << server.stderr_text();

  for (int i = 0; i < 3; ++i) {
    const std::string again = "again" + std::to_string(i);
    ASSERT_TRUE(admitted[i].send_all(again));
    EXPECT_EQ(admitted[i].read_exactly(again.size()), again);
  }

  // A freed place is given to the next client. The server notices the close on its next turn,
  // so the newcomer may still be refused a few times; each refusal is an immediate EOF.
  admitted[0].shutdown_write();
  EXPECT_EQ(admitted[0].read_until_eof(seconds(5)), "");
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    TestConnection newcomer = TestConnection::connect(server.port());
    ASSERT_TRUE(newcomer.ok());
    ASSERT_TRUE(newcomer.send_all("new"));
    served = newcomer.read_exactly(3, seconds(5)) == "new";
  }
  EXPECT_TRUE(served);
}

TEST(SelectLoopTest, MaxConnsAtOrAboveFdSetSizeIsABadFlag) {
  ServerProcess server(ServerProcess::server_binary("select_loop"), {"--max-conns", "5000"});
  std::optional<int> status = server.wait_exit(seconds(5));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2);
  EXPECT_NE(server.stderr_text().find("max-conns"), std::string::npos) << server.stderr_text();
}

// With a low descriptor limit, --max-conns is lowered to fit it: connections past it are refused
// (EOF + log line), never a crash and never an accept() busy loop.
TEST(SelectLoopTest, MaxConnsIsLoweredToTheDescriptorLimit) {
  ServerProcess server("/bin/sh", {"-c", "ulimit -n 16 && exec " +
                                             ServerProcess::server_binary("select_loop") +
                                             " --protocol echo --max-conns 900"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  EXPECT_NE(server.stderr_text().find("--max-conns lowered to 8"), std::string::npos)
      << server.stderr_text();
  std::vector<TestConnection> clients;
  int served = 0, refused = 0;
  for (int i = 0; i < 12; ++i) {
    clients.push_back(TestConnection::connect(server.port()));
    ASSERT_TRUE(clients.back().ok()) << clients.back().error();
    ASSERT_TRUE(clients.back().send_all("x"));
    if (clients.back().read_exactly(1, seconds(5)) == "x") {
      ++served;
    } else if (clients.back().saw_eof() || clients.back().saw_reset()) {
      ++refused;
    }
  }
  EXPECT_EQ(served, 8);
  EXPECT_EQ(refused, 4);
  EXPECT_TRUE(server.running()) << server.stderr_text();
}

// Descriptors at or past FD_SETSIZE never go into an fd_set: the shell fills descriptors 10..1010
// before starting the server, so accepted connections soon get numbers >= 1024. Those are
// refused with a log line; the ones below are served.
TEST(SelectLoopTest, RefusesDescriptorsBeyondFdSetSize) {
  const std::string script =
      "ulimit -n 4096 && i=10 && while [ $i -le 1010 ]; do eval \"exec $i</dev/null\"; "
      "i=$((i+1)); done && exec " +
      ServerProcess::server_binary("select_loop") + " --protocol echo";
  ServerProcess server("/bin/bash", {"-c", script});
  ASSERT_TRUE(server.wait_ready(seconds(20))) << server.error();
  std::vector<TestConnection> clients;
  int served = 0, refused = 0;
  for (int i = 0; i < 30; ++i) {
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
  EXPECT_EQ(served + refused, 30);
  EXPECT_NE(server.stderr_text().find(">= FD_SETSIZE"), std::string::npos) << server.stderr_text();
  // The served ones still work.
  for (auto& c : clients) {
    if (c.saw_eof() || c.saw_reset()) continue;
    ASSERT_TRUE(c.send_all("z"));
    EXPECT_EQ(c.read_exactly(1), "z");
  }
}

}  // namespace
}  // namespace archbench::testing
