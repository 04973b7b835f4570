// fork_limited's architecture behaviour, observed from outside: bytes, /proc and the --trace log.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "servers/process/architecture_test_support.h"
#include "servers/testing/server_process.h"
#include "servers/testing/test_connection.h"

namespace archbench::testing {
namespace {

using std::chrono::milliseconds;

ServerProcess start_fork_limited(std::vector<std::string> extra) {
  std::vector<std::string> args = {"--port", "0", "--trace"};
  if (std::find(extra.begin(), extra.end(), "--protocol") == extra.end()) {
    args.insert(args.end(), {"--protocol", "echo"});
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return ServerProcess(ServerProcess::server_binary("fork_limited"), args);
}

// The most children seen in /proc while sampling for `window`.
std::size_t most_children_during(const ServerProcess& server, milliseconds window) {
  std::size_t most = 0;
  wait_until(
      [&] {
        most = std::max(most, server.children().size());
        return false;
      },
      window);
  return most;
}

TEST(ForkLimitedTest, EchoesRandomDataOverSimultaneousConnections) {
  ServerProcess server = start_fork_limited({"--max-procs", "4"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  expect_concurrent_echo(server.port(), 4, 200 * 1024);
}

// N + 2 clients hold connections open: never more than N children; the two extra clients are
// connected (the kernel queued them) but unanswered until earlier clients leave.
TEST(ForkLimitedTest, TheForkLimitHoldsAndExtraClientsAreServedLater) {
  ServerProcess server = start_fork_limited({"--max-procs", "2"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  std::vector<TestConnection> served = expect_concurrent_echo(server.port(), 2, 1000);
  ASSERT_EQ(wait_for_children(server, 2).size(), 2u);

  std::vector<TestConnection> waiting;
  for (int i = 0; i < 2; ++i) {
    waiting.push_back(TestConnection::connect(server.port()));
    ASSERT_TRUE(waiting.back().ok()) << waiting.back().error();
    ASSERT_TRUE(waiting.back().send_all("extra" + std::to_string(i)));
  }
  EXPECT_LE(most_children_during(server, milliseconds(700)), 2u);
  EXPECT_EQ(waiting[0].read_available(milliseconds(1)), "");
  EXPECT_EQ(waiting[1].read_available(milliseconds(1)), "");

  // One client leaves: its child exits, the parent notices within a round and takes the next.
  served[0].close();
  std::string first = waiting[0].read_exactly(6);
  std::string second = waiting[1].read_available(milliseconds(300));
  // Which queued client is accepted first is the kernel's order (FIFO on Linux).
  EXPECT_EQ(first, "extra0");
  EXPECT_EQ(second, "");
  EXPECT_LE(server.children().size(), 2u);

  served[1].close();
  EXPECT_EQ(waiting[1].read_exactly(6), "extra1");
  EXPECT_LE(most_children_during(server, milliseconds(200)), 2u);
}

TEST(ForkLimitedTest, MaxProcsZeroServesEveryClientAtOnce) {
  ServerProcess server = start_fork_limited({"--max-procs", "0"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  std::vector<TestConnection> connections = expect_concurrent_echo(server.port(), 4, 10 * 1024);
  std::set<pid_t> serving;
  for (const TestConnection& connection : connections) {
    std::optional<pid_t> pid = serving_pid(server, local_port(connection));
    ASSERT_TRUE(pid.has_value()) << server.stderr_text();
    serving.insert(*pid);
  }
  EXPECT_EQ(serving.size(), 4u);
  EXPECT_EQ(server.children().size(), 4u);
}

// The original only removed children that exited normally (pcntl_wifexited): a killed child
// kept its slot forever. Here any end frees the slot.
TEST(ForkLimitedTest, AKilledChildFreesItsSlot) {
  ServerProcess server = start_fork_limited({"--max-procs", "1"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  std::vector<TestConnection> first = expect_concurrent_echo(server.port(), 1, 100);
  std::optional<pid_t> child = serving_pid(server, local_port(first[0]));
  ASSERT_TRUE(child.has_value()) << server.stderr_text();

  TestConnection second = TestConnection::connect(server.port());
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(second.send_all("next"));
  ASSERT_EQ(::kill(*child, SIGKILL), 0);
  EXPECT_EQ(first[0].read_until_eof(), "");
  EXPECT_EQ(second.read_exactly(4), "next");
  EXPECT_TRUE(wait_until(
      [&] {
        return server.stderr_text().find("child " + std::to_string(*child) +
                                         " killed by signal 9") != std::string::npos;
      },
      milliseconds(2000)))
      << server.stderr_text();
}

// The parent finds ended children by looking every 500 ms: it wakes even with nothing to do.
// (socketpair_workers --mode notify is the same loop without this: its parent sleeps.)
TEST(ForkLimitedTest, ParentWakesPeriodicallyToReap) {
  ServerProcess server = start_fork_limited({"--max-procs", "2"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  EXPECT_GE(wakeups_while_idle(server.pid(), milliseconds(1200)), 1);
}

TEST(ForkLimitedTest, SigtermWithBusyChildrenStopsEverythingWithExitZero) {
  ServerProcess server = start_fork_limited({"--max-procs", "3"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  std::vector<TestConnection> busy = expect_concurrent_echo(server.port(), 3, 1000);
  ASSERT_EQ(wait_for_children(server, 3).size(), 3u);
  expect_clean_stop(server);
}

TEST(ForkLimitedTest, RejectsANegativeLimitWithExitTwo) {
  ServerProcess server = start_fork_limited({"--max-procs", "-1"});
  EXPECT_FALSE(server.wait_ready(milliseconds(5000)));
  std::optional<int> status = server.wait_exit(milliseconds(2000));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2) << server.stderr_text();
}

// Every protocol runs through make_session unchanged: a timer deadline wakes a child's blocking
// driver, and /broadcast is refused with a reason naming the architecture.
TEST(ForkLimitedTest, ServesTimersAndRefusesBroadcast) {
  ServerProcess timer = start_fork_limited({"--protocol", "timer"});
  ASSERT_TRUE(timer.wait_ready()) << timer.error();
  expect_timer_fires(timer.port());
  ServerProcess websocket = start_fork_limited({"--protocol", "websocket"});
  ASSERT_TRUE(websocket.wait_ready()) << websocket.error();
  expect_broadcast_refused(websocket.port(), "fork_limited");
}

}  // namespace
}  // namespace archbench::testing
