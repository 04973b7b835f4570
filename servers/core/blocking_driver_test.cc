// The blocking driver over socketpairs with a FakeSession: exact bytes, partial writes, EPIPE,
// peer close, close requests, deadlines, and broadcast through a scripted BroadcastPort.
#include "servers/core/blocking_driver.h"

#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "servers/core/fake_session.h"
#include "servers/core/stop_signal.h"
#include "servers/testing/test_connection.h"

namespace archbench {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeSession;
using testing::TestConnection;

// A BroadcastPort the test scripts: deliver() queues a message and rings an eventfd doorbell (from
// the test thread); the driver's calls are recorded in order. Thread-safety: deliver(),
// set_overflowed() and events() from any thread, the overrides from the driver thread.
class ScriptedPort : public BroadcastPort {
 public:
  ScriptedPort() : doorbell_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

  void deliver(std::string message) {
    std::lock_guard lock(mutex_);
    waiting_.push_back(std::make_shared<const std::string>(std::move(message)));
    ring();
  }
  // Every later take() reports overflow.
  void set_overflowed() {
    std::lock_guard lock(mutex_);
    overflowed_ = true;
    ring();
  }
  std::vector<std::string> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

  int doorbell_fd() const override { return doorbell_.get(); }
  bool take(std::vector<std::shared_ptr<const std::string>>& messages) override {
    std::lock_guard lock(mutex_);
    std::uint64_t count = 0;
    EXPECT_EQ(::read(doorbell_.get(), &count, sizeof(count)), 8);
    messages = std::move(waiting_);
    waiting_.clear();
    return !overflowed_;
  }
  std::size_t mailbox_limit() const override { return 10; }
  void set_group(std::string_view group) override {
    std::lock_guard lock(mutex_);
    if (group != group_) events_.push_back("group " + std::string(group));
    group_ = group;
  }
  void publish(std::string_view group, std::vector<std::string>&& messages) override {
    std::lock_guard lock(mutex_);
    for (const std::string& m : messages) {
      events_.push_back("publish " + std::string(group) + " " + m);
    }
  }

 private:
  void ring() {
    std::uint64_t one = 1;
    EXPECT_EQ(::write(doorbell_.get(), &one, sizeof(one)), 8);
  }

  UniqueFd doorbell_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<const std::string>> waiting_;
  bool overflowed_ = false;
  std::string group_;
  std::vector<std::string> events_;
};

// Runs serve_blocking on one end of a socketpair in a thread; the test talks on the other end.
class BlockingDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    install_stop_handlers();  // SIGPIPE ignored, as in a server
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    server_end_ = fds[0];
    client_ = TestConnection(fds[1]);
  }
  void TearDown() override {
    if (driver_.joinable()) driver_.join();
  }
  void start() {
    driver_ = std::thread([this] { end_ = serve_blocking(UniqueFd(server_end_), session_, "peer:1"); });
  }
  void start_with_port() {
    driver_ = std::thread(
        [this] { end_ = serve_blocking(UniqueFd(server_end_), session_, "peer:1", &port_); });
  }
  DriveEnd finish() {
    driver_.join();
    return end_;
  }
  void shrink_buffers() {
    int small = 4096;
    ::setsockopt(server_end_, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    ::setsockopt(client_.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  }

  FakeSession session_;
  ScriptedPort port_;
  int server_end_ = -1;
  TestConnection client_;
  std::thread driver_;
  DriveEnd end_ = DriveEnd::kStopped;
};

std::string alphabet(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

TEST_F(BlockingDriverTest, EchoesAndEndsWhenThePeerCloses) {
  start();
  ASSERT_TRUE(client_.send_all("hello\nwor"));
  EXPECT_EQ(client_.read_exactly(6), "hello\n");
  ASSERT_TRUE(client_.send_all("ld\n"));
  EXPECT_EQ(client_.read_exactly(6), "world\n");
  client_.shutdown_write();
  EXPECT_EQ(client_.read_until_eof(), "bye\n");  // on_peer_closed's reply, then EOF
  EXPECT_TRUE(client_.saw_eof());
  EXPECT_EQ(finish(), DriveEnd::kSessionClosed);
  EXPECT_EQ(session_.peer_closed_calls, 1);
  EXPECT_EQ(session_.received, "hello\nworld\n");
}

TEST_F(BlockingDriverTest, WritesALargeReplyCompletelyThroughPartialWrites) {
  shrink_buffers();
  start();
  ASSERT_TRUE(client_.send_all("big 3000000\n"));
  std::string reply;
  while (reply.size() < 3000000) {
    std::string part = client_.read_exactly(std::min<std::size_t>(7919, 3000000 - reply.size()));
    if (part.empty()) break;
    reply += part;
  }
  EXPECT_EQ(reply.size(), 3000000u);
  EXPECT_TRUE(reply == alphabet(3000000));
  client_.close();
  EXPECT_NE(finish(), DriveEnd::kStopped);
}

TEST_F(BlockingDriverTest, APeerThatVanishesMidReplyIsReportedNotFatal) {
  shrink_buffers();
  start();
  ASSERT_TRUE(client_.send_all("big 8000000\n"));
  EXPECT_EQ(client_.read_exactly(100).size(), 100u);  // The reply has started...
  client_.close();                                     // ...and nobody will read the rest.
  EXPECT_EQ(finish(), DriveEnd::kPeerGone);            // EPIPE / ECONNRESET, no SIGPIPE death
}

TEST_F(BlockingDriverTest, CloseRequestFlushesThenSendsEof) {
  start();
  ASSERT_TRUE(client_.send_all("one\nclose\nignored\n"));
  EXPECT_EQ(client_.read_until_eof(), "one\nclosing\n");
  EXPECT_TRUE(client_.saw_eof());
  client_.close();  // Ends the driver's linger.
  EXPECT_EQ(finish(), DriveEnd::kSessionClosed);
  EXPECT_EQ(session_.peer_closed_calls, 0);
}

TEST_F(BlockingDriverTest, DeadlinesFireWithoutInput) {
  start();
  ASSERT_TRUE(client_.send_all("after 20\nafter 1\n"));
  EXPECT_EQ(client_.read_exactly(12), "fired\nfired\n");
  EXPECT_GE(session_.deadline_calls, 1);
  client_.shutdown_write();
  EXPECT_EQ(client_.read_until_eof(), "bye\n");
  EXPECT_EQ(finish(), DriveEnd::kSessionClosed);
}

TEST_F(BlockingDriverTest, AfterPeerEofPendingDeadlinesStillFire) {
  session_.keep_open_after_eof = true;
  session_.close_after_timers = true;
  start();
  ASSERT_TRUE(client_.send_all("after 30\n"));
  client_.shutdown_write();
  EXPECT_EQ(client_.read_until_eof(), "fired\n");
  EXPECT_EQ(finish(), DriveEnd::kSessionClosed);
}

TEST_F(BlockingDriverTest, PeerEofWithNothingPendingEndsTheConnection) {
  session_.keep_open_after_eof = true;
  start();
  ASSERT_TRUE(client_.send_all("x\n"));
  EXPECT_EQ(client_.read_exactly(2), "x\n");
  client_.shutdown_write();
  EXPECT_EQ(client_.read_until_eof(), "");
  EXPECT_TRUE(client_.saw_eof());
  EXPECT_EQ(finish(), DriveEnd::kPeerClosed);
}

TEST_F(BlockingDriverTest, SessionLogLinesNameThePeerAndBroadcastsAreDropped) {
  ::testing::internal::CaptureStderr();
  start();
  ASSERT_TRUE(client_.send_all("log\njoin g\nshout hi\nok\n"));
  EXPECT_EQ(client_.read_exactly(3), "ok\n");  // No "[hi]": blocking models cannot broadcast.
  client_.close();
  finish();
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("peer:1: fake log line"), std::string::npos) << log;
  EXPECT_NE(log.find("peer:1: broadcast is not available"), std::string::npos) << log;
}

TEST_F(BlockingDriverTest, WithAPortMembershipFollowsTheSessionAndBroadcastsArePublished) {
  start_with_port();
  ASSERT_TRUE(client_.send_all("join g\nok\n"));
  EXPECT_EQ(client_.read_exactly(3), "ok\n");
  ASSERT_TRUE(client_.send_all("shout hi\nshout there\nok\n"));
  EXPECT_EQ(client_.read_exactly(3), "ok\n");
  // Mail from "other connections" reaches on_broadcast, in order, and its reply is written.
  port_.deliver("a");
  port_.deliver("b");
  EXPECT_EQ(client_.read_exactly(6), "[a][b]");
  // Closing leaves the group; what the closing call shouts still goes to the old group.
  ASSERT_TRUE(client_.send_all("shout last\nclose\n"));
  EXPECT_EQ(client_.read_until_eof(), "closing\n");
  EXPECT_EQ(finish(), DriveEnd::kSessionClosed);
  EXPECT_EQ(port_.events(), (std::vector<std::string>{"group g", "publish g hi",
                                                      "publish g there", "group ",
                                                      "publish g last"}));
}

TEST_F(BlockingDriverTest, WithAPortAnOverflowedMailboxClosesTheConnectionWithALogLine) {
  ::testing::internal::CaptureStderr();
  start_with_port();
  ASSERT_TRUE(client_.send_all("join g\nok\n"));
  EXPECT_EQ(client_.read_exactly(3), "ok\n");
  port_.set_overflowed();
  port_.deliver("lost");
  EXPECT_EQ(client_.read_until_eof(), "");  // nothing of the lost mail is delivered
  EXPECT_EQ(finish(), DriveEnd::kPeerGone);
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("peer:1: does not read its broadcasts (mailbox over 10 bytes); closing"),
            std::string::npos)
      << log;
}

}  // namespace
}  // namespace archbench
