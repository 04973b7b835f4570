// Tests of the test helpers themselves: if these lie, every server test lies.
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include <gtest/gtest.h>

#include "servers/testing/server_process.h"
#include "servers/testing/test_connection.h"

namespace archbench::testing {
namespace {

using std::chrono::milliseconds;

TEST(ServerProcessTest, StartsIterativeReadsReadyAndStopsOnSigterm) {
  ServerProcess server(ServerProcess::server_binary("iterative"), {"--port", "0"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  EXPECT_EQ(server.host(), "127.0.0.1");
  EXPECT_GT(server.port(), 0);
  EXPECT_EQ(server.announced_pid(), server.pid());

  TestConnection c = TestConnection::connect(server.port());
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_TRUE(c.send_all("ping"));
  EXPECT_EQ(c.read_exactly(4), "ping");

  ASSERT_TRUE(server.send_signal(SIGTERM));
  std::optional<int> status = server.wait_exit(std::chrono::seconds(2));
  ASSERT_TRUE(status.has_value()) << server.stderr_text();
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_FALSE(server.running());
}

TEST(ServerProcessTest, NoReadyLineTimesOutAndKills) {
  ServerProcess server("/bin/sh", {"-c", "echo not ready; echo to-stderr >&2; exec sleep 30"});
  EXPECT_FALSE(server.wait_ready(milliseconds(300)));
  EXPECT_NE(server.error().find("no READY line"), std::string::npos) << server.error();
  EXPECT_NE(server.error().find("to-stderr"), std::string::npos) << server.error();
  EXPECT_FALSE(server.running());
}

TEST(ServerProcessTest, ExitBeforeReadyReportsCodeAndStderr) {
  ServerProcess server("/bin/sh", {"-c", "echo oops >&2; exit 3"});
  EXPECT_FALSE(server.wait_ready(milliseconds(5000)));
  EXPECT_NE(server.error().find("with code 3"), std::string::npos) << server.error();
  EXPECT_NE(server.error().find("oops"), std::string::npos) << server.error();
}

TEST(ServerProcessTest, MissingBinaryFailsClearly) {
  ServerProcess server("/nonexistent/server", {});
  EXPECT_FALSE(server.wait_ready(milliseconds(5000)));
  EXPECT_NE(server.error().find("exited before READY"), std::string::npos) << server.error();
}

TEST(ServerProcessTest, ListsLiveChildrenAndZombies) {
  // Two sleeping children, then READY, then wait for them.
  ServerProcess server("/bin/sh",
                       {"-c", "sleep 30 & sleep 30 & echo READY 127.0.0.1 1234 $$; wait"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  EXPECT_EQ(server.port(), 1234);
  std::vector<pid_t> children;
  for (int i = 0; i < 200 && children.size() < 2; ++i) {
    children = server.children();
    if (children.size() < 2) usleep(10000);
  }
  ASSERT_EQ(children.size(), 2u);
  for (pid_t child : children) {
    EXPECT_TRUE(ServerProcess::is_alive(child));
    ::kill(child, SIGKILL);
  }
  // The shell's wait reaps them, then the shell exits.
  std::optional<int> status = server.wait_exit(std::chrono::seconds(5));
  ASSERT_TRUE(status.has_value());
  for (pid_t child : children) EXPECT_FALSE(ServerProcess::is_alive(child));
  EXPECT_TRUE(server.children().empty());
}

TEST(ServerProcessTest, RunfileFallsBackToTheGivenPath) {
  EXPECT_EQ(ServerProcess::runfile("no/such/file"), "no/such/file");
  EXPECT_EQ(::access(ServerProcess::server_binary("iterative").c_str(), X_OK), 0);
}

class TestConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    client_ = TestConnection(fds[0]);
    server_ = TestConnection(fds[1]);
  }
  TestConnection client_;
  TestConnection server_;
};

TEST_F(TestConnectionTest, ReadExactlyReturnsWhatArrivedOnTimeout) {
  ASSERT_TRUE(server_.send_all("abc"));
  EXPECT_EQ(client_.read_exactly(5, milliseconds(100)), "abc");
  EXPECT_FALSE(client_.saw_eof());
}

TEST_F(TestConnectionTest, ReadUntilKeepsTheRestForTheNextRead) {
  ASSERT_TRUE(server_.send_all("one\r\ntwo\r\nthr"));
  EXPECT_EQ(client_.read_until("\r\n"), "one\r\n");
  EXPECT_EQ(client_.read_until("\r\n"), "two\r\n");
  EXPECT_EQ(client_.read_until("\r\n", milliseconds(100)), "thr");
}

TEST_F(TestConnectionTest, ReadUntilFindsADelimiterSplitAcrossReads) {
  ASSERT_TRUE(server_.send_all("x\r"));
  EXPECT_EQ(client_.read_exactly(1), "x");
  ASSERT_TRUE(server_.send_all("\nrest"));
  EXPECT_EQ(client_.read_until("\r\n"), "\r\n");
  EXPECT_EQ(client_.read_exactly(4), "rest");
}

TEST_F(TestConnectionTest, ReadUntilEofSeesTheClose) {
  ASSERT_TRUE(server_.send_all("bye"));
  server_.close();
  EXPECT_EQ(client_.read_until_eof(), "bye");
  EXPECT_TRUE(client_.saw_eof());
  EXPECT_EQ(client_.read_exactly(1, milliseconds(10)), "");
}

TEST(TestConnectionConnectTest, RefusedPortReportsAnError) {
  // Bind a port and close it again: nothing listens there now.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  TestConnection c = TestConnection::connect(ntohs(address.sin_port));
  EXPECT_FALSE(c.ok());
  EXPECT_NE(c.error().find("connect"), std::string::npos) << c.error();
}

}  // namespace
}  // namespace archbench::testing
