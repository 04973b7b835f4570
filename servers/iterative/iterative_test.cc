// iterative: the shared server behaviour, and "one connection at a time".
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "servers/testing/architecture_suite.h"
#include "servers/testing/server_process.h"
#include "servers/testing/test_connection.h"

namespace archbench::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(Iterative, ArchitectureTest,
                         ::testing::Values(ArchitectureCase{"iterative", {}, false}),
                         architecture_case_name);

using std::chrono::seconds;

// The second client's bytes wait in the backlog until the first client closes: its reply comes
// after the close, and the first client keeps being served meanwhile.
TEST(IterativeTest, SecondClientIsServedOnlyAfterTheFirstCloses) {
  ServerProcess server(ServerProcess::server_binary("iterative"), {"--protocol", "echo"});
  ASSERT_TRUE(server.wait_ready()) << server.error();

  TestConnection first = TestConnection::connect(server.port());
  ASSERT_TRUE(first.ok()) << first.error();
  ASSERT_TRUE(first.send_all("1a"));
  ASSERT_EQ(first.read_exactly(2), "1a");  // The server now serves `first`.

  std::atomic<int> sequence{0};
  std::atomic<int> second_replied_at{0};
  std::string second_reply;
  TestConnection second = TestConnection::connect(server.port());
  ASSERT_TRUE(second.ok()) << second.error();  // The kernel completes it: it waits in the backlog.
  ASSERT_TRUE(second.send_all("2a"));
  std::thread waiter([&] {
    second_reply = second.read_exactly(2, seconds(20));
    second_replied_at = ++sequence;
  });

  // `first` keeps a conversation going; every reply proves the server is still on it.
  for (int i = 0; i < 20; ++i) {
    const std::string message = "1-" + std::to_string(i);
    ASSERT_TRUE(first.send_all(message));
    ASSERT_EQ(first.read_exactly(message.size()), message);
  }
  const int first_closed_at = ++sequence;
  first.close();
  waiter.join();

  EXPECT_EQ(second_reply, "2a");
  EXPECT_GT(second_replied_at.load(), first_closed_at)
      << "the second client was answered while the first was still being served";
  ASSERT_TRUE(second.send_all("2b"));
  EXPECT_EQ(second.read_exactly(2), "2b");
}

// Clients are served in the order they connected, each to completion.
TEST(IterativeTest, ServesQueuedClientsInArrivalOrder) {
  ServerProcess server(ServerProcess::server_binary("iterative"), {"--protocol", "echo"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  std::vector<TestConnection> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(TestConnection::connect(server.port()));
    ASSERT_TRUE(clients.back().ok());
    ASSERT_TRUE(clients.back().send_all("client " + std::to_string(i)));
    clients.back().shutdown_write();
  }
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(clients[i].read_until_eof(seconds(10)), "client " + std::to_string(i));
    EXPECT_TRUE(clients[i].saw_eof());
  }
}

}  // namespace
}  // namespace archbench::testing
