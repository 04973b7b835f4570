// threads: the shared server behaviour in every mode, plus what each mode promises: HTTP over
// blocking threads, a clean stop with busy threads, /broadcast between threads, connections
// spread over the pool for every --accept variant, a thread per connection, --max-threads.
#include <signal.h>
#include <sys/wait.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "servers/process/architecture_test_support.h"
#include "servers/testing/architecture_suite.h"
#include "servers/testing/server_process.h"
#include "servers/testing/test_connection.h"
#include "servers/threads/yardstick_test_support.h"

namespace archbench::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const std::vector<std::string> kPerConnection = {"--mode", "per-connection"};
std::vector<std::string> pool(const std::string& accept, int threads = 8) {
  return {"--mode", "pool", "--threads", std::to_string(threads), "--accept", accept};
}

INSTANTIATE_TEST_SUITE_P(Threads, ArchitectureTest,
                         ::testing::Values(ArchitectureCase{"threads", kPerConnection, true, true},
                                           ArchitectureCase{"threads", pool("mutex"), true, true},
                                           ArchitectureCase{"threads", pool("main"), true, true},
                                           ArchitectureCase{"threads", pool("none"), true, true}),
                         architecture_case_name);

ServerProcess start_threads(std::vector<std::string> mode, std::vector<std::string> more) {
  mode.insert(mode.end(), more.begin(), more.end());
  return ServerProcess(ServerProcess::server_binary("threads"), mode);
}

// Every mode, by its flags.
class ThreadsModeTest : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(ThreadsModeTest, HttpGetRootAnswersHelloWorld) {
  ServerProcess server = start_threads(GetParam(), {"--protocol", "http"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  TestConnection c = TestConnection::connect(server.port());
  ASSERT_TRUE(c.ok()) << c.error();
  for (int i = 0; i < 3; ++i) {  // keep-alive: one thread answers all three
    HttpReply reply = http_get(c, "/");
    EXPECT_EQ(reply.head.rfind("HTTP/1.1 200 ", 0), 0u) << reply.head;
    EXPECT_NE(reply.head.find("Server: archbench/threads\r\n"), std::string::npos) << reply.head;
    EXPECT_EQ(reply.body, "Hello World");
  }
}

TEST_P(ThreadsModeTest, EchoesRandomDataOverEightSimultaneousConnections) {
  ServerProcess server = start_threads(GetParam(), {"--protocol", "echo"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  expect_concurrent_echo(server.port(), 8, 256 * 1024);
}

// Threads in the middle of conversations (poll in the driver), idle pool threads (in accept(),
// on the accept mutex or on the hand-off queue) and the main thread all stop on SIGTERM.
TEST_P(ThreadsModeTest, SigtermWithBusyThreadsExitsZeroWithinTwoSeconds) {
  ServerProcess server = start_threads(GetParam(), {"--protocol", "echo"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  std::vector<TestConnection> busy = expect_concurrent_echo(server.port(), 3, 1000);
  TestConnection idle = TestConnection::connect(server.port());
  ASSERT_TRUE(idle.ok());
  ASSERT_TRUE(server.send_signal(SIGTERM));
  std::optional<int> status = server.wait_exit(seconds(2));
  ASSERT_TRUE(status.has_value()) << "still running 2 s after SIGTERM\n" << server.stderr_text();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
  EXPECT_NE(server.stderr_text().find("threads: stopped"), std::string::npos);
  for (TestConnection& c : busy) EXPECT_EQ(c.read_until_eof(seconds(2)), "");
}

// Threads share memory: a message on /broadcast reaches the other client's thread through its
// mailbox, and each thread writes only its own socket.
TEST_P(ThreadsModeTest, BroadcastReachesBothClients) {
  ServerProcess server = start_threads(GetParam(), {"--protocol", "websocket"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  TestConnection a = TestConnection::connect(server.port());
  TestConnection b = TestConnection::connect(server.port());
  ASSERT_TRUE(is_switching_protocols(websocket_handshake(a, "/broadcast")));
  ASSERT_TRUE(is_switching_protocols(websocket_handshake(b, "/broadcast")));
  // The server joins a connection to the group before it writes the 101: no race to wait out.
  ASSERT_TRUE(a.send_all(client_text_frame("from a")));
  EXPECT_EQ(a.read_exactly(8), server_text_frame("from a"));
  EXPECT_EQ(b.read_exactly(8), server_text_frame("from a"));
  ASSERT_TRUE(b.send_all(client_text_frame("from b")));
  EXPECT_EQ(a.read_exactly(8), server_text_frame("from b"));
  EXPECT_EQ(b.read_exactly(8), server_text_frame("from b"));
  // A client on another path is not in the group.
  TestConnection other = TestConnection::connect(server.port());
  ASSERT_TRUE(is_switching_protocols(websocket_handshake(other, "/")));
  ASSERT_TRUE(a.send_all(client_text_frame("again")));
  EXPECT_EQ(b.read_exactly(7), server_text_frame("again"));
  EXPECT_EQ(other.read_available(milliseconds(100)), "");
}

INSTANTIATE_TEST_SUITE_P(Modes, ThreadsModeTest,
                         ::testing::Values(kPerConnection, pool("mutex"), pool("main"),
                                           pool("none")),
                         [](const auto& info) {
                           return info.param[1] == "pool" ? "pool_" + info.param[5]
                                                          : std::string("per_connection");
                         });

// Each pool thread serves one connection at a time, so N connections held open at once must be
// served by N different threads, whichever way they reach accept().
class PoolAcceptTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PoolAcceptTest, ConnectionsSpreadOverThePoolThreads) {
  ServerProcess server = start_threads(pool(GetParam(), 4), {"--protocol", "echo", "--trace"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  // main + 4 (relative, because sanitizer runtimes add threads of their own)
  const int started_with = server.thread_count();
  std::vector<TestConnection> connections = expect_concurrent_echo(server.port(), 4, 1000);
  std::set<pid_t> tids;
  for (const TestConnection& connection : connections) {
    std::optional<pid_t> tid = serving_tid(server, local_port(connection));
    ASSERT_TRUE(tid.has_value()) << server.stderr_text();
    EXPECT_NE(*tid, server.pid()) << "served by the main thread";
    tids.insert(*tid);
  }
  EXPECT_EQ(tids.size(), 4u) << server.stderr_text();
  EXPECT_NE(server.stderr_text().find("pool of 4 threads, accept " + GetParam()),
            std::string::npos);
  EXPECT_EQ(server.thread_count(), started_with);  // a pool does not grow
}

// A fifth client waits (in the backlog or the hand-off queue) while the four threads are busy,
// and is served by one of them as soon as it is free.
TEST_P(PoolAcceptTest, AClientWaitsWhileEveryThreadIsBusy) {
  ServerProcess server = start_threads(pool(GetParam(), 2), {"--protocol", "echo"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  std::vector<TestConnection> busy = expect_concurrent_echo(server.port(), 2, 1000);
  TestConnection waiting = TestConnection::connect(server.port());
  ASSERT_TRUE(waiting.ok());
  ASSERT_TRUE(waiting.send_all("wait"));
  EXPECT_EQ(waiting.read_available(milliseconds(300)), "");
  busy[0].close();
  EXPECT_EQ(waiting.read_exactly(4, seconds(5)), "wait");
}

INSTANTIATE_TEST_SUITE_P(AcceptVariants, PoolAcceptTest,
                         ::testing::Values("mutex", "main", "none"),
                         [](const auto& info) { return info.param; });

TEST(PerConnectionTest, EachConnectionGetsItsOwnThread) {
  ServerProcess server = start_threads(kPerConnection, {"--protocol", "echo", "--trace"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  // Nothing but main until a client comes: no pool is started in advance.
  EXPECT_EQ(server.thread_count(), 1);
  std::vector<TestConnection> connections = expect_concurrent_echo(server.port(), 6, 1000);
  std::set<pid_t> tids;
  for (const TestConnection& connection : connections) {
    std::optional<pid_t> tid = serving_tid(server, local_port(connection));
    ASSERT_TRUE(tid.has_value()) << server.stderr_text();
    tids.insert(*tid);
  }
  EXPECT_EQ(tids.size(), 6u);
  // Threads end with their connections and are joined: six fewer once they close. Counted
  // relative to the busy count, not to the count before the first client, because sanitizer
  // runtimes start a thread of their own with the first pthread_create (TSan's background
  // thread), which stays.
  const int busy = server.thread_count();
  for (TestConnection& c : connections) c.close();
  EXPECT_TRUE(wait_until([&] { return server.thread_count() == busy - 6; }, seconds(5)))
      << server.thread_count() << " threads, " << busy << " while busy";
}

TEST(PerConnectionTest, MaxThreadsRefusesPastTheLimitWithALogLine) {
  ServerProcess server =
      start_threads(kPerConnection, {"--protocol", "echo", "--max-threads", "2"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  std::vector<TestConnection> served = expect_concurrent_echo(server.port(), 2, 1000);

  TestConnection refused = TestConnection::connect(server.port());
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused.read_until_eof(seconds(5)), "");
  EXPECT_TRUE(refused.saw_eof() || refused.saw_reset());
  EXPECT_NE(server.stderr_text().find("threads busy (--max-threads)"), std::string::npos)
      << server.stderr_text();

  // The two it has are still served; once one leaves, a new client is served again.
  ASSERT_TRUE(served[1].send_all("still"));
  EXPECT_EQ(served[1].read_exactly(5), "still");
  served[0].close();
  bool served_again = wait_until(
      [&] {
        TestConnection next = TestConnection::connect(server.port());
        return next.send_all("next") && next.read_exactly(4, seconds(2)) == "next";
      },
      seconds(5));
  EXPECT_TRUE(served_again) << server.stderr_text();
}

TEST(ThreadsFlagsTest, BadModeValuesExitTwo) {
  for (const std::vector<std::string>& flags :
       std::vector<std::vector<std::string>>{{"--mode", "fork"},
                                             {"--mode", "pool", "--threads", "0"},
                                             {"--mode", "pool", "--accept", "fcntl"},
                                             {"--max-threads", "0"}}) {
    ServerProcess server(ServerProcess::server_binary("threads"), flags);
    std::optional<int> status = server.wait_exit(seconds(5));
    ASSERT_TRUE(status.has_value()) << flags[1];
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2) << flags[1];
    EXPECT_FALSE(server.stderr_text().empty()) << flags[1];
  }
}

}  // namespace
}  // namespace archbench::testing
