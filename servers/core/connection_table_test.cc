#include "servers/core/connection_table.h"

#include <sys/socket.h>

#include <gtest/gtest.h>

#include "servers/core/clock.h"
#include "servers/core/fake_session.h"
#include "servers/core/stop_signal.h"
#include "servers/testing/test_connection.h"

namespace archbench {
namespace {

using testing::FakeSession;
using testing::TestConnection;

class ConnectionTableTest : public ::testing::Test {
 protected:
  void SetUp() override { install_stop_handlers(); }
  // Adds a connection; returns its fd and keeps the client end.
  int add() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds), 0);
    table_.add(std::make_unique<Connection>(UniqueFd(fds[0]), "peer" + std::to_string(fds[0]),
                                            std::make_unique<FakeSession>()));
    clients_.emplace_back(fds[1]);
    return fds[0];
  }
  void say(std::size_t client, int fd, std::string_view text) {
    ASSERT_TRUE(clients_[client].send_all(text));
    table_.find(fd)->on_readable(now_);
  }

  Now now_ = read_now();
  ConnectionTable table_;
  std::vector<TestConnection> clients_;
};

TEST_F(ConnectionTableTest, AddFindRemove) {
  EXPECT_EQ(table_.size(), 0u);
  int a = add();
  int b = add();
  EXPECT_EQ(table_.size(), 2u);
  ASSERT_NE(table_.find(a), nullptr);
  EXPECT_EQ(table_.find(a)->fd(), a);
  EXPECT_EQ(table_.find(-1), nullptr);
  EXPECT_EQ(table_.find(100000), nullptr);
  table_.remove(a);
  EXPECT_EQ(table_.find(a), nullptr);
  EXPECT_EQ(table_.size(), 1u);
  table_.remove(a);  // harmless twice
  EXPECT_EQ(table_.size(), 1u);
  int visited = 0;
  table_.for_each([&](Connection& c) {
    EXPECT_EQ(c.fd(), b);
    ++visited;
  });
  EXPECT_EQ(visited, 1);
}

TEST_F(ConnectionTableTest, RemoveClosedReturnsTheirDescriptors) {
  int a = add();
  int b = add();
  table_.find(a)->close_now();
  EXPECT_EQ(table_.remove_closed(), std::vector<int>{a});
  EXPECT_EQ(table_.size(), 1u);
  EXPECT_NE(table_.find(b), nullptr);
}

TEST_F(ConnectionTableTest, AClosedLeftoverIsReplacedWhenItsDescriptorIsReused) {
  int a = add();
  table_.find(a)->close_now();  // fd a is free again
  int b = add();                // the kernel hands out the lowest free number
  ASSERT_EQ(a, b);
  EXPECT_EQ(table_.size(), 1u);
  EXPECT_FALSE(table_.find(b)->is_closed());
}

TEST_F(ConnectionTableTest, EarliestDeadlineScansEveryConnection) {
  int a = add();
  int b = add();
  EXPECT_FALSE(table_.earliest_deadline().has_value());
  say(0, a, "after 500\n");
  say(1, b, "after 100\n");
  EXPECT_EQ(table_.earliest_deadline(), now_.steady + std::chrono::milliseconds(100));
}

TEST_F(ConnectionTableTest, BroadcastsReachEveryMemberOfTheGroupOnly) {
  int a = add();
  int b = add();
  int c = add();
  int d = add();
  say(0, a, "join red\n");
  say(1, b, "join red\n");
  say(2, c, "join blue\n");
  // d joins nothing.
  say(0, a, "shout hi\n");
  std::vector<int> touched = table_.deliver_broadcasts(*table_.find(a), now_);
  EXPECT_EQ(touched, (std::vector<int>{a, b}));
  EXPECT_EQ(clients_[0].read_exactly(4), "[hi]");  // the sender included
  EXPECT_EQ(clients_[1].read_exactly(4), "[hi]");
  EXPECT_EQ(clients_[2].read_available(std::chrono::milliseconds(0)), "");
  EXPECT_EQ(clients_[3].read_available(std::chrono::milliseconds(0)), "");
  EXPECT_FALSE(table_.find(a)->has_broadcasts());
  (void)d;
}

TEST_F(ConnectionTableTest, ClosedMembersGetNothing) {
  int a = add();
  int b = add();
  say(0, a, "join red\n");
  say(1, b, "join red\n");
  table_.find(b)->close_now();
  say(0, a, "shout hi\n");
  EXPECT_EQ(table_.deliver_broadcasts(*table_.find(a), now_), std::vector<int>{a});
}

}  // namespace
}  // namespace archbench
