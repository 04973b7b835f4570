// socketpair_workers' architecture behaviour in both modes, observed from outside: bytes, /proc
// and the --trace log.
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

ServerProcess start_server(std::vector<std::string> extra) {
  std::vector<std::string> args = {"--port", "0", "--trace"};
  if (std::find(extra.begin(), extra.end(), "--protocol") == extra.end()) {
    args.insert(args.end(), {"--protocol", "echo"});
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return ServerProcess(ServerProcess::server_binary("socketpair_workers"), args);
}

// ----- --mode notify -----

TEST(SocketpairNotifyTest, EchoesRandomDataOverSimultaneousConnections) {
  ServerProcess server = start_server({"--mode", "notify", "--max-procs", "4"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  expect_concurrent_echo(server.port(), 4, 200 * 1024);
}

// The difference from fork_limited: no timeout. Idle, or with a child busy serving, the parent
// is never woken.
TEST(SocketpairNotifyTest, ParentSleepsWithoutTimeout) {
  ServerProcess server = start_server({"--mode", "notify"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  EXPECT_EQ(wakeups_while_idle(server.pid(), milliseconds(1000)), 0);
  std::vector<TestConnection> busy = expect_concurrent_echo(server.port(), 1, 100);
  EXPECT_EQ(wakeups_while_idle(server.pid(), milliseconds(1000)), 0);
}

// At the limit the next client waits in the backlog; when a child finishes, its "done" and EOF
// wake the parent, which reaps it and takes the waiting client at once.
TEST(SocketpairNotifyTest, AFinishedChildIsReapedAndTheWaitingClientServed) {
  ServerProcess server = start_server({"--mode", "notify", "--max-procs", "1"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  std::vector<TestConnection> first = expect_concurrent_echo(server.port(), 1, 100);
  const std::set<pid_t> before = wait_for_children(server, 1);
  ASSERT_EQ(before.size(), 1u);

  TestConnection second = TestConnection::connect(server.port());
  ASSERT_TRUE(second.ok()) << second.error();
  ASSERT_TRUE(second.send_all("queued"));
  EXPECT_EQ(second.read_available(milliseconds(300)), "");
  EXPECT_EQ(server.children().size(), 1u);

  const auto closed_at = std::chrono::steady_clock::now();
  first[0].close();
  EXPECT_EQ(second.read_exactly(6), "queued");
  const auto waited =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - closed_at);
  ::testing::Test::RecordProperty("handover_ms", static_cast<int>(waited.count()));
  EXPECT_TRUE(server.zombie_children().empty());
  EXPECT_EQ(server.stderr_text().find("without saying done"), std::string::npos)
      << server.stderr_text();
}

TEST(SocketpairNotifyTest, TheLimitHoldsWithTwoExtraClients) {
  ServerProcess server = start_server({"--mode", "notify", "--max-procs", "2"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  std::vector<TestConnection> served = expect_concurrent_echo(server.port(), 2, 1000);
  std::vector<TestConnection> waiting;
  for (int i = 0; i < 2; ++i) {
    waiting.push_back(TestConnection::connect(server.port()));
    ASSERT_TRUE(waiting.back().send_all("w" + std::to_string(i)));
  }
  std::size_t most = 0;
  wait_until(
      [&] {
        most = std::max(most, server.children().size());
        return false;
      },
      milliseconds(500));
  EXPECT_EQ(most, 2u);
  EXPECT_EQ(waiting[0].read_available(milliseconds(1)), "");
  served[0].close();
  served[1].close();
  EXPECT_EQ(waiting[0].read_exactly(2), "w0");
  EXPECT_EQ(waiting[1].read_exactly(2), "w1");
  EXPECT_LE(server.children().size(), 2u);
}

// A child that dies without saying "done" still frees its slot: the kernel closes its end of
// the pair, and the parent's poll sees EOF. (With the original's one shared pipe, whose write end
// the parent itself holds, such a child was never noticed.)
TEST(SocketpairNotifyTest, AChildKilledMidConnectionFreesItsSlot) {
  ServerProcess server = start_server({"--mode", "notify", "--max-procs", "1"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  std::vector<TestConnection> first = expect_concurrent_echo(server.port(), 1, 100);
  std::optional<pid_t> child = serving_pid(server, local_port(first[0]));
  ASSERT_TRUE(child.has_value()) << server.stderr_text();
  TestConnection second = TestConnection::connect(server.port());
  ASSERT_TRUE(second.send_all("after"));

  ASSERT_EQ(::kill(*child, SIGKILL), 0);
  EXPECT_EQ(second.read_exactly(5), "after");
  EXPECT_NE(server.stderr_text().find("child " + std::to_string(*child) +
                                      " killed by signal 9 (Killed) without saying done"),
            std::string::npos)
      << server.stderr_text();
}

TEST(SocketpairNotifyTest, SigtermWithBusyChildrenStopsEverythingWithExitZero) {
  ServerProcess server = start_server({"--mode", "notify", "--max-procs", "3"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  std::vector<TestConnection> busy = expect_concurrent_echo(server.port(), 3, 1000);
  ASSERT_EQ(wait_for_children(server, 3).size(), 3u);
  expect_clean_stop(server);
}

// ----- --mode pass-fd -----

TEST(SocketpairPassFdTest, EchoesRandomDataOverSimultaneousConnections) {
  ServerProcess server = start_server({"--mode", "pass-fd", "--workers", "4"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  expect_concurrent_echo(server.port(), 4, 200 * 1024);
}

// The parent hands each connection to an idle worker; with all three held open at once, each
// worker has exactly one.
TEST(SocketpairPassFdTest, SpreadsConnectionsOverAllWorkers) {
  ServerProcess server = start_server({"--mode", "pass-fd", "--workers", "3"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  const std::set<pid_t> workers = wait_for_children(server, 3);
  ASSERT_EQ(workers.size(), 3u);
  std::vector<TestConnection> connections = expect_concurrent_echo(server.port(), 3, 1000);
  std::set<pid_t> serving;
  for (const TestConnection& connection : connections) {
    std::optional<pid_t> pid = serving_pid(server, local_port(connection));
    ASSERT_TRUE(pid.has_value()) << server.stderr_text();
    EXPECT_TRUE(workers.count(*pid)) << *pid << " is not a worker";
    serving.insert(*pid);
  }
  EXPECT_EQ(serving, workers);
  EXPECT_NE(server.stderr_text().find("trace: pass-to-"), std::string::npos);
}

TEST(SocketpairPassFdTest, AClientWaitsWhileEveryWorkerIsBusy) {
  ServerProcess server = start_server({"--mode", "pass-fd", "--workers", "2"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  std::vector<TestConnection> busy = expect_concurrent_echo(server.port(), 2, 100);
  TestConnection third = TestConnection::connect(server.port());
  ASSERT_TRUE(third.ok()) << third.error();
  ASSERT_TRUE(third.send_all("third"));
  EXPECT_EQ(third.read_available(milliseconds(300)), "");
  busy[1].close();
  EXPECT_EQ(third.read_exactly(5), "third");
}

TEST(SocketpairPassFdTest, ParentSleepsWithoutTimeout) {
  ServerProcess server = start_server({"--mode", "pass-fd", "--workers", "2"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  EXPECT_EQ(wakeups_while_idle(server.pid(), milliseconds(1000)), 0);
}

// kill -9 of a busy worker: its client loses the connection, the other client does not notice,
// and a new worker takes the dead one's place.
TEST(SocketpairPassFdTest, AKilledWorkerIsReplacedAndOnlyItsClientIsLost) {
  ServerProcess server = start_server({"--mode", "pass-fd", "--workers", "2"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  const std::set<pid_t> before = wait_for_children(server, 2);
  std::vector<TestConnection> clients = expect_concurrent_echo(server.port(), 2, 100);
  std::optional<pid_t> victim = serving_pid(server, local_port(clients[0]));
  ASSERT_TRUE(victim.has_value()) << server.stderr_text();
  ASSERT_EQ(::kill(*victim, SIGKILL), 0);

  EXPECT_EQ(clients[0].read_until_eof(), "");
  ASSERT_TRUE(clients[1].send_all("still here"));
  EXPECT_EQ(clients[1].read_exactly(10), "still here");
  std::set<pid_t> after;
  EXPECT_TRUE(wait_until(
      [&] {
        std::vector<pid_t> now = server.children();
        after = std::set<pid_t>(now.begin(), now.end());
        return after.size() == 2 && !after.count(*victim);
      },
      milliseconds(5000)));
  // The replacement is forked before the line is written: wait for the line too.
  EXPECT_TRUE(wait_until(
      [&] {
        return server.stderr_text().find("worker " + std::to_string(*victim) +
                                         " killed by signal 9") != std::string::npos;
      },
      milliseconds(2000)))
      << server.stderr_text();
  expect_concurrent_echo(server.port(), 1, 100);
}

TEST(SocketpairPassFdTest, SigtermWithBusyWorkersStopsEverythingWithExitZero) {
  ServerProcess server = start_server({"--mode", "pass-fd", "--workers", "3"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  ASSERT_EQ(wait_for_children(server, 3).size(), 3u);
  std::vector<TestConnection> busy = expect_concurrent_echo(server.port(), 2, 1000);
  expect_clean_stop(server);
}

TEST(SocketpairWorkersTest, RejectsBadOrMisplacedFlagsWithExitTwo) {
  for (std::vector<std::string> args :
       {std::vector<std::string>{"--mode", "threads"},
        std::vector<std::string>{"--mode", "notify", "--workers", "3"},
        std::vector<std::string>{"--mode", "pass-fd", "--max-procs", "3"},
        std::vector<std::string>{"--mode", "pass-fd", "--workers", "0"}}) {
    ServerProcess server = start_server(args);
    EXPECT_FALSE(server.wait_ready(milliseconds(5000)));
    std::optional<int> status = server.wait_exit(milliseconds(2000));
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2) << server.stderr_text();
  }
  ServerProcess misplaced = start_server({"--workers", "3"});
  EXPECT_FALSE(misplaced.wait_ready(milliseconds(5000)));
  EXPECT_NE(misplaced.stderr_text().find("--workers does not apply to --mode notify"),
            std::string::npos)
      << misplaced.stderr_text();
}

// Every protocol runs through make_session unchanged, in both modes: a timer deadline wakes a
// child's blocking driver, and /broadcast is refused with a reason naming the architecture.
TEST(SocketpairWorkersTest, ServesTimersAndRefusesBroadcastInBothModes) {
  for (const char* mode : {"notify", "pass-fd"}) {
    ServerProcess timer = start_server({"--protocol", "timer", "--mode", mode});
    ASSERT_TRUE(timer.wait_ready()) << timer.error();
    expect_timer_fires(timer.port());
    ServerProcess websocket = start_server({"--protocol", "websocket", "--mode", mode});
    ASSERT_TRUE(websocket.wait_ready()) << websocket.error();
    expect_broadcast_refused(websocket.port(), "socketpair_workers");
  }
}

}  // namespace
}  // namespace archbench::testing
