// Case 1 of issue #8: clients that vanish while the server is still writing to them.
//
// A server that writes to a connection the peer has closed or reset gets EPIPE/ECONNRESET, or
// SIGPIPE if it forgot MSG_NOSIGNAL / SIG_IGN, which kills the process (or the worker child)
// silently. Each case makes the server write a large reply, lets the client go away in the
// middle of it (FIN with unread data, or an RST via SO_LINGER {1, 0}), and then requires the
// survival contract of ServerUnderTest::health_problem(): still running, no crash in the log,
// a new client served correctly, no zombie, no long-lived child lost.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/failures/server_under_test.h"
#include "tests/failures/wire.h"

namespace archbench::failures {
namespace {

using std::chrono::milliseconds;

// Large enough that the reply is far from written when the client leaves: socket buffers on
// loopback hold a few MiB at most.
constexpr std::size_t kLargeReply = 32u << 20;
// How much of the reply the client reads before it leaves.
constexpr std::size_t kReadBeforeLeaving = 64 * 1024;
// How long a client that never reads keeps sending before it resets: long enough for the
// server to block on (or buffer) its replies, short enough for the runtime budget.
constexpr milliseconds kSendWithoutReading{400};

enum class Leave { kClose, kReset };

const char* leave_name(Leave leave) { return leave == Leave::kClose ? "close" : "RST"; }

void leave(TestConnection& connection, Leave how) {
  if (how == Leave::kReset) {
    reset_connection(connection);
  } else {
    connection.close();  // unread bytes in the receive queue: the kernel sends RST anyway
  }
}

TEST(Disconnect, HttpClientLeavesDuringALargeReply) {
  ServerUnderTest server("http", {"--package-max-length", std::to_string(kLargeReply)});
  ASSERT_TRUE(server.start()) << server.error();
  const std::string request = http_get("/bytes?n=" + std::to_string(kLargeReply));
  for (Leave how : {Leave::kClose, Leave::kReset}) {
    for (bool read_first : {true, false}) {
      SCOPED_TRACE(std::string(leave_name(how)) +
                   (read_first ? " after reading 64 KiB of the reply" : " after its first byte"));
      TestConnection c = TestConnection::connect(server.port());
      ASSERT_TRUE(c.ok()) << c.error() << server.log();
      ASSERT_TRUE(c.send_all(request)) << c.error() << server.log();
      if (read_first) {
        const std::string start = c.read_exactly(kReadBeforeLeaving, kIoTimeout);
        ASSERT_EQ(start.size(), kReadBeforeLeaving) << c.error() << server.log();
        ASSERT_EQ(start.rfind("HTTP/1.1 200 ", 0), 0u) << printable(start) << server.log();
      } else {
        // Wait for the first byte so the server is surely writing when the client leaves.
        ASSERT_EQ(c.read_exactly(1, kIoTimeout), "H") << c.error() << server.log();
      }
      leave(c, how);
      EXPECT_EQ(server.health_problem(), "") << server.log();
    }
  }
}

// Pipelined large requests, the client gone after the first reply started: the server must
// drop the whole queue of replies, not only the one in progress.
TEST(Disconnect, HttpClientLeavesWithPipelinedRequestsQueued) {
  ServerUnderTest server("http", {"--package-max-length", std::to_string(kLargeReply)});
  ASSERT_TRUE(server.start()) << server.error();
  std::string requests;
  for (int i = 0; i < 4; ++i) requests += http_get("/bytes?n=" + std::to_string(kLargeReply / 4));
  TestConnection c = TestConnection::connect(server.port());
  ASSERT_TRUE(c.ok()) << c.error() << server.log();
  ASSERT_TRUE(c.send_all(requests)) << c.error() << server.log();
  ASSERT_EQ(c.read_exactly(kReadBeforeLeaving, kIoTimeout).size(), kReadBeforeLeaving)
      << c.error() << server.log();
  leave(c, Leave::kReset);
  EXPECT_EQ(server.health_problem(), "") << server.log();
}

// echo: the client sends without ever reading, so the server's writes back fill the client's
// receive buffer and stall (a blocking server then sits in write, an event loop buffers);
// then the client leaves.
TEST(Disconnect, EchoClientSendsWithoutReadingThenLeaves) {
  ServerUnderTest server("echo");
  ASSERT_TRUE(server.start()) << server.error();
  const std::string payload = binary_pattern(16u << 20, 3);
  for (Leave how : {Leave::kReset, Leave::kClose}) {
    SCOPED_TRACE(leave_name(how));
    TestConnection c = TestConnection::connect(server.port());
    ASSERT_TRUE(c.ok()) << c.error() << server.log();
    // send_all gives up at the time limit once the server stops taking bytes: expected here.
    (void)c.send_all(payload, kSendWithoutReading);
    leave(c, how);
    EXPECT_EQ(server.health_problem(), "") << server.log();
  }
}

// websocket: the same with 1 MiB binary messages, each echoed as one large frame.
TEST(Disconnect, WebSocketClientSendsWithoutReadingThenLeaves) {
  ServerUnderTest server("websocket");
  ASSERT_TRUE(server.start()) << server.error();
  TestConnection c = TestConnection::connect(server.port());
  ASSERT_TRUE(c.ok()) << c.error() << server.log();
  ASSERT_EQ(open_websocket(c, kIoTimeout), "") << server.log();
  const std::string message = masked_frame(websocket::Opcode::kBinary, binary_pattern(1u << 20, 9));
  std::string messages;
  for (int i = 0; i < 16; ++i) messages += message;
  (void)c.send_all(messages, kSendWithoutReading);
  leave(c, Leave::kReset);
  EXPECT_EQ(server.health_problem(), "") << server.log();
}

}  // namespace
}  // namespace archbench::failures
