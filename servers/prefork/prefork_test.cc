// prefork's architecture behaviour, observed from outside: bytes, /proc and the --trace log.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "servers/process/architecture_test_support.h"
#include "servers/testing/server_process.h"
#include "servers/testing/test_connection.h"

namespace archbench::testing {
namespace {

using std::chrono::milliseconds;

constexpr long kAccept4 = SYS_accept4;  // as /proc/<pid>/syscall reports it

// The number of the system call `pid` is blocked in (-1 when running or unknown).
long current_syscall(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/syscall");
  long number = -1;
  if (!(in >> number)) return -1;
  return number;
}

ServerProcess start_prefork(std::vector<std::string> extra) {
  std::vector<std::string> args = {"--port", "0", "--trace"};
  if (std::find(extra.begin(), extra.end(), "--protocol") == extra.end()) {
    args.insert(args.end(), {"--protocol", "echo"});
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return ServerProcess(ServerProcess::server_binary("prefork"), args);
}

class PreforkLockTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PreforkLockTest, EchoesRandomDataOverSimultaneousConnections) {
  ServerProcess server = start_prefork({"--workers", "4", "--accept-lock", GetParam()});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  expect_concurrent_echo(server.port(), 4, 200 * 1024);
}

// Each child serves one connection at a time, so N connections held open at once must be
// served by N different children: whichever lock decides who accepts, the work spreads.
TEST_P(PreforkLockTest, SpreadsConnectionsOverAllChildren) {
  ServerProcess server = start_prefork({"--workers", "3", "--accept-lock", GetParam()});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  const std::set<pid_t> children = wait_for_children(server, 3);
  ASSERT_EQ(children.size(), 3u);

  std::vector<TestConnection> connections = expect_concurrent_echo(server.port(), 3, 1000);
  std::set<pid_t> serving;
  for (const TestConnection& connection : connections) {
    std::optional<pid_t> pid = serving_pid(server, local_port(connection));
    ASSERT_TRUE(pid.has_value()) << server.stderr_text();
    EXPECT_TRUE(children.count(*pid)) << "served by " << *pid << ", not a child";
    serving.insert(*pid);
  }
  EXPECT_EQ(serving.size(), 3u) << server.stderr_text();
  EXPECT_NE(server.stderr_text().find("accept lock " + GetParam()), std::string::npos);
}

TEST_P(PreforkLockTest, SigtermWithBusyChildrenStopsEverythingWithExitZero) {
  ServerProcess server = start_prefork({"--workers", "3", "--accept-lock", GetParam()});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  ASSERT_EQ(wait_for_children(server, 3).size(), 3u);
  // Two children in the middle of a conversation, one waiting in accept() or on the lock.
  std::vector<TestConnection> busy = expect_concurrent_echo(server.port(), 2, 1000);
  expect_clean_stop(server);
}

INSTANTIATE_TEST_SUITE_P(AcceptLocks, PreforkLockTest, ::testing::Values("none", "fcntl", "mutex"),
                         [](const auto& info) { return info.param; });

// What a client sees while every child is busy: connect() succeeds (the kernel completes the
// handshake and queues the connection), its bytes are accepted, and nothing comes back until a
// child is free. Then it is served normally.
TEST(PreforkTest, ClientWaitsInTheBacklogWhileAllChildrenAreBusy) {
  ServerProcess server = start_prefork({"--workers", "1"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  std::vector<TestConnection> first = expect_concurrent_echo(server.port(), 1, 100);

  TestConnection second = TestConnection::connect(server.port());
  ASSERT_TRUE(second.ok()) << second.error();
  ASSERT_TRUE(second.send_all("waiting"));
  EXPECT_EQ(second.read_available(milliseconds(300)), "");

  first[0].close();
  EXPECT_EQ(second.read_exactly(7), "waiting");
}

TEST(PreforkTest, ParentSleepsWithoutTimeoutWhileIdle) {
  ServerProcess server = start_prefork({"--workers", "2"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  ASSERT_EQ(wait_for_children(server, 2).size(), 2u);
  EXPECT_EQ(wakeups_while_idle(server.pid(), milliseconds(1200)), 0);
}

TEST(PreforkTest, ReplacesAChildThatDies) {
  ServerProcess server = start_prefork({"--workers", "2"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  const std::set<pid_t> before = wait_for_children(server, 2);
  ASSERT_EQ(before.size(), 2u);
  const pid_t victim = *before.begin();
  ASSERT_EQ(::kill(victim, SIGKILL), 0);

  std::set<pid_t> after;
  ASSERT_TRUE(wait_until(
      [&] {
        std::vector<pid_t> now = server.children();
        after = std::set<pid_t>(now.begin(), now.end());
        return after.size() == 2 && !after.count(victim);
      },
      milliseconds(5000)))
      << server.stderr_text();
  // The replacement is forked before the line is written: wait for the line too.
  EXPECT_TRUE(wait_until(
      [&] {
        return server.stderr_text().find("prefork: child " + std::to_string(victim) +
                                         " killed by signal 9") != std::string::npos;
      },
      milliseconds(2000)))
      << server.stderr_text();
  expect_concurrent_echo(server.port(), 2, 1000);
}

// A child killed while it holds the process-shared mutex (it sleeps in accept() holding it)
// must not wedge the pool: the mutex is robust, the next locker repairs it.
TEST(PreforkTest, MutexLockSurvivesTheDeathOfItsHolder) {
  ServerProcess server = start_prefork({"--workers", "2", "--accept-lock", "mutex"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  const std::set<pid_t> before = wait_for_children(server, 2);
  ASSERT_EQ(before.size(), 2u);
  // With the mutex, the one child inside accept4() is the one holding the lock.
  ASSERT_TRUE(wait_until(
      [&] {
        for (pid_t child : before) {
          if (current_syscall(child) == kAccept4) return true;
        }
        return false;
      },
      milliseconds(5000)));
  for (pid_t child : before) ASSERT_EQ(::kill(child, SIGKILL), 0);

  ASSERT_TRUE(wait_until(
      [&] {
        std::vector<pid_t> now = server.children();
        return now.size() == 2 && !before.count(now[0]) && !before.count(now[1]);
      },
      milliseconds(5000)))
      << server.stderr_text();
  expect_concurrent_echo(server.port(), 2, 1000);
  EXPECT_NE(server.stderr_text().find("the previous holder died holding it; recovered"),
            std::string::npos)
      << server.stderr_text();
}

TEST(PreforkTest, RejectsBadFlagsWithExitTwo) {
  for (std::vector<std::string> args : {std::vector<std::string>{"--accept-lock", "semaphore"},
                                        std::vector<std::string>{"--workers", "0"}}) {
    ServerProcess server = start_prefork(args);
    EXPECT_FALSE(server.wait_ready(milliseconds(5000)));
    std::optional<int> status = server.wait_exit(milliseconds(2000));
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2) << server.stderr_text();
  }
}

// Every protocol runs through make_session unchanged: a timer deadline wakes a child's blocking
// driver, and /broadcast is refused with a reason naming the architecture.
TEST(PreforkTest, ServesTimersAndRefusesBroadcast) {
  ServerProcess timer = start_prefork({"--protocol", "timer", "--workers", "2"});
  ASSERT_TRUE(timer.wait_ready()) << timer.error();
  expect_timer_fires(timer.port());
  ServerProcess websocket = start_prefork({"--protocol", "websocket", "--workers", "2"});
  ASSERT_TRUE(websocket.wait_ready()) << websocket.error();
  expect_broadcast_refused(websocket.port(), "prefork");
}

}  // namespace
}  // namespace archbench::testing
