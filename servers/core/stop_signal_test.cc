// Stop requests: SIGTERM/SIGINT and request_stop() wake every blocked wait, SIGPIPE is ignored.
// A separate binary, because a stop is process-wide (each test resets it with
// reinit_stop_after_fork, the same call a forked child uses).
#include "servers/core/stop_signal.h"

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>

#include "servers/core/accept.h"
#include "servers/core/blocking_driver.h"
#include "servers/core/fake_session.h"
#include "servers/core/listen_socket.h"

namespace archbench {
namespace {

class StopSignalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    install_stop_handlers();
    reinit_stop_after_fork();  // a fresh, un-requested stop for every test
  }
};

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1;
}

TEST_F(StopSignalTest, SigtermMakesTheStopPipeReadableAndStaysSo) {
  EXPECT_FALSE(stop_requested());
  EXPECT_FALSE(readable(stop_fd()));
  ASSERT_EQ(::raise(SIGTERM), 0);
  EXPECT_TRUE(stop_requested());
  EXPECT_TRUE(readable(stop_fd()));
  EXPECT_TRUE(readable(stop_fd()));  // never drained: every later wait wakes too
}

TEST_F(StopSignalTest, SigintToo) {
  ASSERT_EQ(::raise(SIGINT), 0);
  EXPECT_TRUE(stop_requested());
}

TEST_F(StopSignalTest, ReinitGivesAFreshPipe) {
  request_stop();
  const int old_fd = stop_fd();
  reinit_stop_after_fork();
  EXPECT_FALSE(stop_requested());
  EXPECT_FALSE(readable(stop_fd()));
  (void)old_fd;
}

TEST_F(StopSignalTest, SigpipeIsIgnored) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  ::close(fds[1]);
  // Without MSG_NOSIGNAL: a default SIGPIPE would kill this test.
  EXPECT_EQ(::write(fds[0], "x", 1), -1);
  EXPECT_EQ(errno, EPIPE);
  ::close(fds[0]);
}

TEST_F(StopSignalTest, WaitForConnectionReturnsFalseOnStop) {
  ListenSocket listener = open_listen_socket("127.0.0.1", 0, 16);
  std::thread stopper([] { request_stop(); });
  EXPECT_FALSE(wait_for_connection_or_stop(listener.fd.get()));
  stopper.join();
}

TEST_F(StopSignalTest, BlockingDriverReturnsStoppedWhileTheClientIsSilent) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  testing::FakeSession session;
  DriveEnd end = DriveEnd::kPeerGone;
  std::thread driver([&] { end = serve_blocking(UniqueFd(fds[0]), session, "peer"); });
  // The driver is (or soon will be) in poll() with no deadline and no input.
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  driver.join();
  EXPECT_EQ(end, DriveEnd::kStopped);
  ::close(fds[1]);
}

TEST_F(StopSignalTest, BlockingDriverStopsEvenWhileBlockedWriting) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  testing::FakeSession session;
  DriveEnd end = DriveEnd::kPeerGone;
  std::thread driver([&] { end = serve_blocking(UniqueFd(fds[0]), session, "peer"); });
  // A reply far larger than the socket buffers, never read: the driver waits for room.
  ASSERT_EQ(::write(fds[1], "big 50000000\n", 13), 13);
  pollfd reply_started{fds[1], POLLIN, 0};
  ASSERT_EQ(::poll(&reply_started, 1, 10000), 1);  // the driver is writing now
  request_stop();
  driver.join();
  EXPECT_EQ(end, DriveEnd::kStopped);
  ::close(fds[1]);
}

}  // namespace
}  // namespace archbench
