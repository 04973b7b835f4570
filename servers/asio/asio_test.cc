// asio: the shared server behaviour with one and with several io_contexts, plus HTTP, timers
// from steady_timer, round-robin dealing over the threads, back-pressure on a shared io_context,
// and /broadcast between io_contexts.
#include <signal.h>
#include <sys/wait.h>

#include <map>
#include <set>
#include <string>
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

// --threads 1 puts the stubborn client of the back-pressure case on the same io_context (the
// same thread) as the clients that must still be served.
INSTANTIATE_TEST_SUITE_P(
    Asio, ArchitectureTest,
    ::testing::Values(ArchitectureCase{"asio", {"--threads", "1"}, true, true},
                      ArchitectureCase{"asio", {"--threads", "2"}, true, true},
                      ArchitectureCase{"asio", {"--threads", "3"}, true, true}),
    architecture_case_name);

ServerProcess start_asio(std::vector<std::string> args) {
  return ServerProcess(ServerProcess::server_binary("asio"), args);
}

TEST(AsioTest, HttpGetRootAnswersHelloWorld) {
  ServerProcess server = start_asio({"--protocol", "http", "--threads", "2"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  for (int connection = 0; connection < 2; ++connection) {  // one per io_context
    TestConnection c = TestConnection::connect(server.port());
    ASSERT_TRUE(c.ok()) << c.error();
    for (int i = 0; i < 3; ++i) {
      HttpReply reply = http_get(c, "/");
      EXPECT_EQ(reply.head.rfind("HTTP/1.1 200 ", 0), 0u) << reply.head;
      EXPECT_NE(reply.head.find("Server: archbench/asio\r\n"), std::string::npos) << reply.head;
      EXPECT_EQ(reply.body, "Hello World");
    }
  }
}

TEST(AsioTest, EchoesRandomDataOverManySimultaneousConnections) {
  ServerProcess server = start_asio({"--protocol", "echo", "--threads", "2"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  expect_concurrent_echo(server.port(), 32, 128 * 1024);
}

TEST(AsioTest, SigtermWithBusyConnectionsExitsZeroWithinTwoSeconds) {
  ServerProcess server = start_asio({"--protocol", "echo", "--threads", "2"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  std::vector<TestConnection> busy = expect_concurrent_echo(server.port(), 4, 1000);
  ASSERT_TRUE(server.send_signal(SIGTERM));
  std::optional<int> status = server.wait_exit(seconds(2));
  ASSERT_TRUE(status.has_value()) << "still running 2 s after SIGTERM\n" << server.stderr_text();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
  EXPECT_NE(server.stderr_text().find("asio: stopped"), std::string::npos);
  for (TestConnection& c : busy) EXPECT_EQ(c.read_until_eof(seconds(2)), "");
}

// One acceptor deals connections to the io_contexts in turn: with 3 threads, 6 connections are
// served by 3 threads, 2 each.
TEST(AsioTest, ConnectionsAreDealtRoundRobinOverTheThreads) {
  ServerProcess server = start_asio({"--protocol", "echo", "--threads", "3", "--trace"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  // The main thread runs io_context 0, so 3 threads in all (counted relative to this, because
  // sanitizer runtimes add threads of their own): connections do not add threads.
  const int started_with = server.thread_count();
  std::vector<TestConnection> connections;
  std::map<pid_t, int> per_thread;
  for (int i = 0; i < 6; ++i) {  // one at a time, so the dealing order is the connect order
    connections.push_back(TestConnection::connect(server.port()));
    ASSERT_TRUE(connections.back().send_all("x"));
    ASSERT_EQ(connections.back().read_exactly(1), "x");
    std::optional<pid_t> tid = serving_tid(server, local_port(connections.back()));
    ASSERT_TRUE(tid.has_value()) << server.stderr_text();
    ++per_thread[*tid];
  }
  EXPECT_EQ(per_thread.size(), 3u) << server.stderr_text();
  EXPECT_EQ(server.thread_count(), started_with);
  for (const auto& [tid, count] : per_thread) EXPECT_EQ(count, 2) << "thread " << tid;
}

// steady_timer per connection: deadlines in any order, re-armed as the session's earliest
// deadline moves, cancelled by CANCEL.
TEST(AsioTest, TimersFireInDeadlineOrderAndCancelWorks) {
  ServerProcess server = start_asio({"--protocol", "timer", "--threads", "2"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  TestConnection c = TestConnection::connect(server.port());
  ASSERT_TRUE(c.send_all("AFTER 300 slow\r\nAFTER 100 fast\r\nAFTER 200 gone\r\nCANCEL gone\r\n"));
  EXPECT_EQ(c.read_until("\r\n", seconds(5)), "FIRED fast\r\n");
  EXPECT_EQ(c.read_until("\r\n", seconds(5)), "FIRED slow\r\n");
  EXPECT_EQ(c.read_available(milliseconds(300)), "");
}

// Two clients on different io_contexts (round-robin puts consecutive connections on different
// threads): a message hops from one io_context to the other through asio::post.
TEST(AsioTest, BroadcastCrossesIoContexts) {
  ServerProcess server = start_asio({"--protocol", "websocket", "--threads", "2", "--trace"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  TestConnection a = TestConnection::connect(server.port());
  ASSERT_TRUE(is_switching_protocols(websocket_handshake(a, "/broadcast")));
  TestConnection b = TestConnection::connect(server.port());
  ASSERT_TRUE(is_switching_protocols(websocket_handshake(b, "/broadcast")));
  std::optional<pid_t> tid_a = serving_tid(server, local_port(a));
  std::optional<pid_t> tid_b = serving_tid(server, local_port(b));
  ASSERT_TRUE(tid_a && tid_b) << server.stderr_text();
  EXPECT_NE(*tid_a, *tid_b);

  ASSERT_TRUE(a.send_all(client_text_frame("from a")));
  EXPECT_EQ(a.read_exactly(8), server_text_frame("from a"));
  EXPECT_EQ(b.read_exactly(8), server_text_frame("from a"));
  ASSERT_TRUE(b.send_all(client_text_frame("from b")));
  EXPECT_EQ(a.read_exactly(8), server_text_frame("from b"));
  EXPECT_EQ(b.read_exactly(8), server_text_frame("from b"));
  b.close();
  ASSERT_TRUE(a.send_all(client_text_frame("alone")));
  EXPECT_EQ(a.read_exactly(7), server_text_frame("alone"));
}

TEST(AsioTest, BadThreadCountExitsTwo) {
  for (const char* threads : {"0", "-1", "many"}) {
    ServerProcess server = start_asio({"--threads", threads});
    std::optional<int> status = server.wait_exit(seconds(5));
    ASSERT_TRUE(status.has_value()) << threads;
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2) << threads;
    EXPECT_FALSE(server.stderr_text().empty()) << threads;
  }
}

}  // namespace
}  // namespace archbench::testing
