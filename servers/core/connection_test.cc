// Connection over non-blocking socketpairs with a FakeSession: the loop's view (wants_read,
// wants_write, next_deadline) and the bytes the peer sees.
#include "servers/core/connection.h"

#include <sys/socket.h>

#include <gtest/gtest.h>

#include "servers/core/clock.h"
#include "servers/core/fake_session.h"
#include "servers/core/lingering_close.h"
#include "servers/core/stop_signal.h"
#include "servers/testing/test_connection.h"

namespace archbench {
namespace {

using std::chrono::milliseconds;
using testing::FakeSession;
using testing::TestConnection;

std::string alphabet(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    install_stop_handlers();  // SIGPIPE ignored, as in a server
    make(ConnectionLimits{});
  }
  void make(ConnectionLimits limits, bool small_buffers = false) {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds), 0);
    if (small_buffers) {
      int small = 4096;
      ::setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
      ::setsockopt(fds[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    }
    auto session = std::make_unique<FakeSession>();
    session_ = session.get();
    connection_ = std::make_unique<Connection>(UniqueFd(fds[0]), "peer:2", std::move(session),
                                               limits);
    client_ = TestConnection(fds[1]);
  }
  // Sends and lets the connection read it (one on_readable per call, as a loop would).
  void deliver(std::string_view bytes) {
    ASSERT_TRUE(client_.send_all(bytes));
    connection_->on_readable(now_);
  }

  Now now_ = read_now();
  FakeSession* session_ = nullptr;
  std::unique_ptr<Connection> connection_;
  TestConnection client_;
};

TEST_F(ConnectionTest, RepliesRightAwayWhenTheSocketHasRoom) {
  EXPECT_TRUE(connection_->wants_read());
  EXPECT_FALSE(connection_->wants_write());
  deliver("hi\n");
  EXPECT_EQ(client_.read_exactly(3), "hi\n");
  EXPECT_FALSE(connection_->wants_write());
  EXPECT_EQ(connection_->unsent(), 0u);
}

TEST_F(ConnectionTest, SpuriousReadinessIsHarmless) {
  connection_->on_readable(now_);  // Nothing to read: EAGAIN.
  connection_->on_writable(now_);
  EXPECT_FALSE(connection_->is_closed());
  EXPECT_EQ(session_->on_bytes_calls, 0);
}

TEST_F(ConnectionTest, PartialWritesKeepTheRestAndAskForWriteReadiness) {
  make(ConnectionLimits{}, /*small_buffers=*/true);
  deliver("big 500000\n");
  EXPECT_TRUE(connection_->wants_write());
  EXPECT_GT(connection_->unsent(), 0u);
  std::string reply;
  for (int turns = 0; turns < 100000 && reply.size() < 500000; ++turns) {
    reply += client_.read_available(milliseconds(0));
    connection_->on_writable(now_);
  }
  reply += client_.read_available(milliseconds(0));
  EXPECT_EQ(reply.size(), 500000u);
  EXPECT_TRUE(reply == alphabet(500000));
  EXPECT_FALSE(connection_->wants_write());
}

TEST_F(ConnectionTest, BackPressurePausesReadingAboveHighWaterAndResumesBelowLowWater) {
  make(ConnectionLimits{.high_water = 64 << 10, .low_water = 16 << 10}, true);
  deliver("big 300000\n");
  EXPECT_TRUE(connection_->paused());
  EXPECT_FALSE(connection_->wants_read());  // the loop stops reading this client
  EXPECT_TRUE(connection_->wants_write());

  // Input that arrives meanwhile is left in the socket, not read.
  ASSERT_TRUE(client_.send_all("later\n"));
  connection_->on_readable(now_);
  EXPECT_EQ(session_->on_bytes_calls, 1);

  std::string reply;
  for (int turns = 0; turns < 100000 && connection_->paused(); ++turns) {
    reply += client_.read_available(milliseconds(0));
    connection_->on_writable(now_);
    if (!connection_->paused()) {
      EXPECT_LE(connection_->unsent(), std::size_t{16} << 10);
    } else {
      EXPECT_GT(connection_->unsent(), std::size_t{16} << 10);  // hysteresis
    }
  }
  EXPECT_TRUE(connection_->wants_read());
  connection_->on_readable(now_);
  EXPECT_EQ(session_->received, "big 300000\nlater\n");
  for (int turns = 0; turns < 100000 && reply.size() < 300006; ++turns) {
    reply += client_.read_available(milliseconds(0));
    connection_->on_writable(now_);
  }
  EXPECT_TRUE(reply == alphabet(300000) + "later\n");
}

TEST_F(ConnectionTest, APeerGoneWhileWritingClosesIt) {
  make(ConnectionLimits{}, true);
  deliver("big 500000\n");
  ASSERT_TRUE(connection_->wants_write());
  client_.close();
  connection_->on_writable(now_);  // EPIPE, not SIGPIPE
  EXPECT_TRUE(connection_->is_closed());
  EXPECT_FALSE(connection_->wants_read());
  EXPECT_FALSE(connection_->wants_write());
  EXPECT_EQ(connection_->fd(), -1);
}

TEST_F(ConnectionTest, PeerCloseIsToldToTheSessionAndItsReplyFlushed) {
  deliver("x\n");
  client_.shutdown_write();
  connection_->on_readable(now_);
  EXPECT_EQ(session_->peer_closed_calls, 1);
  EXPECT_TRUE(connection_->is_closed());  // peer done, session done, output flushed
  EXPECT_EQ(client_.read_until_eof(), "x\nbye\n");
  EXPECT_TRUE(client_.saw_eof());
}

TEST_F(ConnectionTest, AfterPeerEofDeadlinesStillFireThenItCloses) {
  session_->keep_open_after_eof = true;
  session_->close_after_timers = true;
  deliver("after 5\n");
  client_.shutdown_write();
  connection_->on_readable(now_);
  EXPECT_FALSE(connection_->is_closed());
  EXPECT_FALSE(connection_->wants_read());  // EOF seen: nothing more to read
  ASSERT_TRUE(connection_->next_deadline().has_value());
  Now later{*connection_->next_deadline(), now_.wall};
  connection_->on_deadline(later);
  EXPECT_TRUE(connection_->is_closed());
  EXPECT_EQ(client_.read_until_eof(), "fired\n");
}

TEST_F(ConnectionTest, PeerEofWithNothingPendingCloses) {
  session_->keep_open_after_eof = true;
  client_.shutdown_write();
  connection_->on_readable(now_);
  EXPECT_TRUE(connection_->is_closed());
  EXPECT_EQ(client_.read_until_eof(), "");
  EXPECT_TRUE(client_.saw_eof());
}

TEST_F(ConnectionTest, CloseRequestFlushesSendsEofAndLingersUntilThePeerCloses) {
  deliver("close\nnot for the session\n");
  EXPECT_EQ(client_.read_until_eof(), "closing\n");
  EXPECT_TRUE(client_.saw_eof());
  EXPECT_FALSE(connection_->is_closed());
  EXPECT_TRUE(connection_->wants_read());  // lingering: input is read and dropped
  ASSERT_TRUE(connection_->next_deadline().has_value());
  EXPECT_EQ(*connection_->next_deadline(), now_.steady + kLingerTime);

  ASSERT_TRUE(client_.send_all("more junk\n"));
  connection_->on_readable(now_);
  EXPECT_FALSE(connection_->is_closed());
  client_.close();
  connection_->on_readable(now_);
  EXPECT_TRUE(connection_->is_closed());
  EXPECT_EQ(session_->received, "close\nnot for the session\n");
}

TEST_F(ConnectionTest, LingerEndsAtItsDeadline) {
  deliver("close\n");
  connection_->on_deadline(now_);  // not yet due
  EXPECT_FALSE(connection_->is_closed());
  connection_->on_deadline(Now{now_.steady + kLingerTime, now_.wall});
  EXPECT_TRUE(connection_->is_closed());
}

TEST_F(ConnectionTest, DeadlinesFireOnlyWhenDue) {
  deliver("after 50\n");
  ASSERT_TRUE(connection_->next_deadline().has_value());
  const TimePoint due = *connection_->next_deadline();
  EXPECT_EQ(due, now_.steady + milliseconds(50));
  connection_->on_deadline(Now{due - milliseconds(1), now_.wall});
  EXPECT_EQ(session_->deadline_calls, 0);
  connection_->on_deadline(Now{due, now_.wall});
  EXPECT_EQ(session_->deadline_calls, 1);
  EXPECT_EQ(client_.read_exactly(6), "fired\n");
  EXPECT_FALSE(connection_->next_deadline().has_value());
}

TEST_F(ConnectionTest, BroadcastsAreHandedToTheLoopAndDeliveredToMembers) {
  deliver("join room\nshout hello\nshout again\n");
  EXPECT_EQ(connection_->broadcast_group(), "room");
  ASSERT_TRUE(connection_->has_broadcasts());
  std::vector<std::string> messages = connection_->take_broadcasts();
  EXPECT_EQ(messages, (std::vector<std::string>{"hello", "again"}));
  EXPECT_FALSE(connection_->has_broadcasts());
  for (const auto& m : messages) connection_->deliver_broadcast(m, now_);
  EXPECT_EQ(client_.read_exactly(14), "[hello][again]");
}

TEST_F(ConnectionTest, AMemberThatDoesNotReadItsBroadcastsIsClosed) {
  make(ConnectionLimits{.broadcast_output_limit = 100 << 10}, true);
  deliver("join room\n");
  ::testing::internal::CaptureStderr();
  const std::string message(10 << 10, 'm');
  int delivered = 0;
  while (!connection_->is_closed() && delivered < 1000) {
    connection_->deliver_broadcast(message, now_);
    ++delivered;
  }
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(connection_->is_closed());
  EXPECT_LT(delivered, 1000);
  EXPECT_NE(log.find("peer:2: does not read its broadcasts"), std::string::npos) << log;
}

TEST_F(ConnectionTest, SessionLogLinesNameThePeer) {
  ::testing::internal::CaptureStderr();
  deliver("log\n");
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("peer:2: fake log line"), std::string::npos) << log;
}

TEST_F(ConnectionTest, CloseNowIsImmediateAndIdempotent) {
  deliver("big 10\n");
  connection_->close_now();
  connection_->close_now();
  EXPECT_TRUE(connection_->is_closed());
  EXPECT_FALSE(connection_->next_deadline().has_value());
  EXPECT_TRUE(connection_->broadcast_group().empty());
  connection_->on_readable(now_);  // harmless after close
  connection_->deliver_broadcast("x", now_);
  EXPECT_EQ(client_.read_until_eof(), "abcdefghij");
}

}  // namespace
}  // namespace archbench
