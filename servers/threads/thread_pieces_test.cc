// The pieces of //servers/threads without a server process: the hub, mailboxes, the hand-off
// queue, the thread roster, and the broadcasting driver over socketpairs with a FakeSession.
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "servers/core/fake_session.h"
#include "servers/core/stop_signal.h"
#include "servers/testing/test_connection.h"
#include "servers/threads/broadcast_hub.h"
#include "servers/threads/broadcasting_driver.h"
#include "servers/threads/handoff_queue.h"
#include "servers/threads/mailbox.h"
#include "servers/threads/thread_roster.h"

namespace archbench::threads {
namespace {

using archbench::testing::FakeSession;
using archbench::testing::TestConnection;
using std::chrono::seconds;

SharedMessage message(std::string text) { return std::make_shared<const std::string>(text); }

TEST(BroadcastHubTest, PublishReachesExactlyTheGroupSenderIncluded) {
  BroadcastHub hub;
  std::vector<std::string> a, b, c;
  const auto id_a = hub.add([&](const SharedMessage& m) { a.push_back(*m); });
  const auto id_b = hub.add([&](const SharedMessage& m) { b.push_back(*m); });
  hub.add([&](const SharedMessage& m) { c.push_back(*m); });
  hub.set_group(id_a, "/broadcast");
  hub.set_group(id_b, "/broadcast");
  EXPECT_EQ(hub.publish("/broadcast", message("one")), 2u);
  EXPECT_EQ(hub.publish("/other", message("two")), 0u);
  EXPECT_EQ(hub.publish("", message("three")), 0u);  // "" is "no group", never a group
  EXPECT_EQ(a, std::vector<std::string>{"one"});
  EXPECT_EQ(b, std::vector<std::string>{"one"});
  EXPECT_TRUE(c.empty());

  hub.remove(id_b);
  EXPECT_EQ(hub.publish("/broadcast", message("four")), 1u);
  EXPECT_EQ(b, std::vector<std::string>{"one"});
  EXPECT_EQ(a, (std::vector<std::string>{"one", "four"}));
}

TEST(BroadcastHubTest, MembershipLeavesOnDestruction) {
  BroadcastHub hub;
  int delivered = 0;
  {
    HubMembership membership(hub, [&](const SharedMessage&) { ++delivered; });
    membership.set_group("g");
    EXPECT_EQ(hub.publish("g", message("x")), 1u);
  }
  EXPECT_EQ(hub.publish("g", message("y")), 0u);
  EXPECT_EQ(delivered, 1);
}

TEST(MailboxTest, DoorbellRingsUntilTakenAndMessagesKeepOrder) {
  Mailbox mailbox(1000);
  pollfd fd{mailbox.doorbell_fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&fd, 1, 0), 0);
  mailbox.push(message("a"));
  mailbox.push(message("b"));
  EXPECT_EQ(::poll(&fd, 1, 0), 1);
  Mailbox::Mail mail = mailbox.take();
  ASSERT_EQ(mail.messages.size(), 2u);
  EXPECT_EQ(*mail.messages[0], "a");
  EXPECT_EQ(*mail.messages[1], "b");
  EXPECT_FALSE(mail.overflowed);
  EXPECT_EQ(::poll(&fd, 1, 0), 0);
}

TEST(MailboxTest, OverflowDropsAndSaysSo) {
  Mailbox mailbox(10);
  mailbox.push(message("123456"));
  mailbox.push(message("7890ab"));  // 12 bytes > 10: dropped, and everything after
  mailbox.push(message("c"));
  Mailbox::Mail mail = mailbox.take();
  ASSERT_EQ(mail.messages.size(), 1u);
  EXPECT_EQ(*mail.messages[0], "123456");
  EXPECT_TRUE(mail.overflowed);
}

TEST(HandoffQueueTest, PopsInOrderAndCloseWakesEveryone) {
  HandoffQueue queue(2);
  AcceptResult first;
  first.peer = "first";
  AcceptResult second;
  second.peer = "second";
  ASSERT_TRUE(queue.push(std::move(first)));
  ASSERT_TRUE(queue.push(std::move(second)));
  // A third push waits for room; a pop makes room.
  std::atomic<bool> third_pushed{false};
  std::thread pusher([&] {
    AcceptResult third;
    third.peer = "third";
    third_pushed = queue.push(std::move(third));
  });
  EXPECT_EQ(queue.pop()->peer, "first");
  pusher.join();
  EXPECT_TRUE(third_pushed);
  EXPECT_EQ(queue.pop()->peer, "second");
  EXPECT_EQ(queue.pop()->peer, "third");

  std::thread popper([&] { EXPECT_FALSE(queue.pop().has_value()); });
  queue.close();
  popper.join();
  EXPECT_FALSE(queue.push(AcceptResult{}));
}

TEST(ThreadRosterTest, CapsLiveThreadsAndReapsFinishedOnes) {
  ThreadRoster roster(2);
  std::mutex gate;
  gate.lock();
  std::atomic<int> ran{0};
  auto blocked = [&] {
    std::lock_guard<std::mutex> wait(gate);
    ++ran;
  };
  roster.spawn(blocked);
  roster.spawn(blocked);
  EXPECT_TRUE(roster.full());
  gate.unlock();
  for (int i = 0; i < 500 && roster.live() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(roster.live(), 0u);
  roster.reap_finished();
  EXPECT_FALSE(roster.full());
  roster.spawn([&] { ++ran; });
  roster.join_all();
  EXPECT_EQ(ran.load(), 3);
}

// Two connections served by two threads, each with its own FakeSession, joined to one group.
class BroadcastingDriverTest : public ::testing::Test {
 protected:
  void SetUp() override { install_stop_handlers(); }
  void TearDown() override {
    for (auto& t : drivers_) t.join();
  }
  TestConnection start(FakeSession& session) {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    drivers_.emplace_back([this, &session, fd = fds[0]] {
      serve_blocking_with_broadcast(UniqueFd(fd), session, "peer", hub_);
    });
    return TestConnection(fds[1]);
  }

  BroadcastHub hub_;
  // Members, so they outlive the driver threads (joined in TearDown).
  FakeSession session_a_, session_b_, session_c_;
  std::vector<std::thread> drivers_;
};

TEST_F(BroadcastingDriverTest, AMessageReachesEveryMemberOnItsOwnThread) {
  TestConnection a = start(session_a_);
  TestConnection b = start(session_b_);
  TestConnection c = start(session_c_);
  // Every "echo" line proves the previous "join" was handled (and the hub updated) first.
  ASSERT_TRUE(a.send_all("join g\nready\n"));
  ASSERT_EQ(a.read_exactly(6), "ready\n");
  ASSERT_TRUE(b.send_all("join g\nready\n"));
  ASSERT_EQ(b.read_exactly(6), "ready\n");
  ASSERT_TRUE(c.send_all("join other\nready\n"));
  ASSERT_EQ(c.read_exactly(6), "ready\n");

  ASSERT_TRUE(a.send_all("shout hello\n"));
  EXPECT_EQ(a.read_exactly(7, seconds(5)), "[hello]");
  EXPECT_EQ(b.read_exactly(7, seconds(5)), "[hello]");
  ASSERT_TRUE(b.send_all("shout back\n"));
  EXPECT_EQ(a.read_exactly(6, seconds(5)), "[back]");
  EXPECT_EQ(b.read_exactly(6, seconds(5)), "[back]");
  EXPECT_EQ(c.read_available(std::chrono::milliseconds(100)), "");

  // A member that closed no longer gets anything; the others still do.
  ASSERT_TRUE(b.send_all("close\n"));
  EXPECT_EQ(b.read_until_eof(seconds(5)), "closing\n");
  b.close();
  ASSERT_TRUE(a.send_all("shout again\n"));
  EXPECT_EQ(a.read_exactly(7, seconds(5)), "[again]");
  a.close();
  c.close();
}

}  // namespace
}  // namespace archbench::threads
