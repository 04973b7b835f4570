#include "servers/core/listen_socket.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "servers/core/accept.h"
#include "servers/testing/test_connection.h"

namespace archbench {
namespace {

TEST(ListenSocketTest, PortZeroGetsARealPortThatAcceptsConnections) {
  ListenSocket listener = open_listen_socket("127.0.0.1", 0, 16);
  ASSERT_TRUE(listener.fd.valid());
  EXPECT_GT(listener.port, 0);
  EXPECT_EQ(listener.host, "127.0.0.1");
  EXPECT_NE(::fcntl(listener.fd.get(), F_GETFD) & FD_CLOEXEC, 0);
  int reuse = 0;
  socklen_t length = sizeof(reuse);
  ::getsockopt(listener.fd.get(), SOL_SOCKET, SO_REUSEADDR, &reuse, &length);
  EXPECT_NE(reuse, 0);

  testing::TestConnection client = testing::TestConnection::connect(listener.port);
  ASSERT_TRUE(client.ok()) << client.error();
  AcceptResult accepted = accept_connection(listener.fd.get(), SocketMode::kBlocking);
  ASSERT_EQ(accepted.kind, AcceptResult::Kind::kAccepted);
  EXPECT_EQ(accepted.peer.rfind("127.0.0.1:", 0), 0u) << accepted.peer;
  EXPECT_NE(::fcntl(accepted.fd.get(), F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_EQ(peer_name(accepted.fd.get()), accepted.peer);
}

TEST(ListenSocketTest, ATakenPortIsAnErrorNamingTheCause) {
  ListenSocket first = open_listen_socket("127.0.0.1", 0, 16);
  try {
    open_listen_socket("127.0.0.1", first.port, 16);
    FAIL() << "bound a taken port";
  } catch (const ListenError& e) {
    EXPECT_NE(std::string(e.what()).find("Address already in use"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::to_string(first.port)), std::string::npos);
  }
}

TEST(ListenSocketTest, AnUnknownHostIsAnError) {
  EXPECT_THROW(open_listen_socket("no-such-host.invalid", 0, 16), ListenError);
  EXPECT_THROW(open_listen_socket("127.0.0.1", 70000, 16), ListenError);
}

TEST(ListenSocketTest, NonBlockingAcceptReportsNothingPending) {
  ListenSocket listener = open_listen_socket("127.0.0.1", 0, 16);
  ASSERT_TRUE(set_nonblocking(listener.fd.get()));
  AcceptResult result = accept_connection(listener.fd.get(), SocketMode::kNonBlocking);
  EXPECT_EQ(result.kind, AcceptResult::Kind::kNothingPending);
  EXPECT_FALSE(result.fd.valid());
}

TEST(ListenSocketTest, AnnounceReadyPrintsHostPortPid) {
  ListenSocket listener = open_listen_socket("127.0.0.1", 0, 16);
  ::testing::internal::CaptureStdout();
  announce_ready(listener);
  const std::string line = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(line, "READY 127.0.0.1 " + std::to_string(listener.port) + " " +
                      std::to_string(::getpid()) + "\n");
}

}  // namespace
}  // namespace archbench
