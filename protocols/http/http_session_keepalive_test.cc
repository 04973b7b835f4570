// HttpSession's keep-alive timeout: when the clock runs (between requests only), what restarts
// it (a reply, not an empty line), and that it closes silently. Time is simulated.
#include <gtest/gtest.h>

#include <string>

#include "protocols/http/http_session.h"
#include "protocols/http/http_session_test_support.h"

namespace archbench::http {
namespace {

using std::chrono::milliseconds;
using testing::at;
using testing::responses;
using testing::steady;

const std::string kGetRoot = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";

class HttpSessionKeepAliveTest : public testing::HttpSessionFixture {
 protected:
  HttpSessionKeepAliveTest() {
    config_.keepalive_timeout = milliseconds(1000);
    config_.header_timeout = milliseconds(3000);
  }
};

TEST_F(HttpSessionKeepAliveTest, AConnectionThatNeverSpeaksIsClosedSilentlyAtTheLimit) {
  ASSERT_EQ(session().next_deadline(), steady(1000));  // "accepted" at 0
  SessionOutput early = deadline(at(999));
  EXPECT_FALSE(early.close);
  SessionOutput out = deadline(at(1000));
  EXPECT_TRUE(out.close);
  EXPECT_EQ(out.bytes, "");  // no reply: nothing was asked
  EXPECT_EQ(out.log, "");    // routine, not worth a log line
  EXPECT_EQ(session().next_deadline(), std::nullopt);
  EXPECT_EQ(feed(kGetRoot, at(1001)).bytes, "");  // nothing more is read
}

TEST_F(HttpSessionKeepAliveTest, EachReplyRestartsTheClock) {
  ASSERT_EQ(responses(feed(kGetRoot, at(700)).bytes).size(), 1u);
  EXPECT_EQ(session().next_deadline(), steady(1700));
  EXPECT_FALSE(deadline(at(1000)).close);  // the old deadline has no effect
  ASSERT_EQ(responses(feed(kGetRoot + kGetRoot, at(1600)).bytes).size(), 2u);
  EXPECT_EQ(session().next_deadline(), steady(2600));
  EXPECT_TRUE(deadline(at(2600)).close);
}

TEST_F(HttpSessionKeepAliveTest, EmptyLinesDoNotRestartIt) {
  feed("\r\n", at(900));  // allowed before a request line, but not a request
  EXPECT_EQ(session().next_deadline(), steady(1000));
  EXPECT_TRUE(deadline(at(1000)).close);
}

TEST_F(HttpSessionKeepAliveTest, ARequestUnderWayRunsTheRequestClockInstead) {
  feed("GET / HT", at(500));
  EXPECT_EQ(session().next_deadline(), steady(3500));  // header timeout, from the first byte
  EXPECT_FALSE(deadline(at(1000)).close);
  // In the body the body clock runs (the gap between reads), not the keep-alive one.
  feed("TP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\na", at(600));
  EXPECT_EQ(session().next_deadline(), steady(600) + kDefaultBodyTimeout);
  SessionOutput out = feed("b", at(5000));
  EXPECT_EQ(responses(out.bytes).size(), 1u);
  EXPECT_EQ(session().next_deadline(), steady(6000));
}

TEST_F(HttpSessionKeepAliveTest, ADeferredReplyHoldsTheClockUntilItIsWritten) {
  feed("GET /sleep?ms=2000 HTTP/1.1\r\nHost: h\r\n\r\n", at(0));
  EXPECT_EQ(session().next_deadline(), steady(2000));  // the reply's due time, not 1000
  SessionOutput out = deadline(at(2000));
  EXPECT_EQ(responses(out.bytes).size(), 1u);
  EXPECT_FALSE(out.close);
  EXPECT_EQ(session().next_deadline(), steady(3000));
}

TEST_F(HttpSessionKeepAliveTest, BytesThatArriveBeforeTheDriverLooksAreServed) {
  // The deadline passed, but the request came first from the driver's point of view: a reply
  // is better than a close the client must retry.
  SessionOutput out = feed(kGetRoot, at(1200));
  EXPECT_EQ(responses(out.bytes).size(), 1u);
  EXPECT_FALSE(out.close);
  EXPECT_EQ(session().next_deadline(), steady(2200));
}

TEST_F(HttpSessionKeepAliveTest, ZeroDisablesIt) {
  config_.keepalive_timeout = milliseconds(0);
  EXPECT_EQ(session().next_deadline(), std::nullopt);
  feed(kGetRoot, at(0));
  EXPECT_EQ(session().next_deadline(), std::nullopt);
}

TEST_F(HttpSessionKeepAliveTest, AnUpgradedWebSocketIsNotCovered) {
  SessionOutput out = feed(
      "GET /echo HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      at(0));
  ASSERT_EQ(out.bytes.rfind("HTTP/1.1 101 ", 0), 0u) << out.bytes;
  EXPECT_EQ(session().next_deadline(), std::nullopt);
  EXPECT_FALSE(deadline(at(5000)).close);
}

TEST_F(HttpSessionKeepAliveTest, NoClockAfterConnectionClose) {
  SessionOutput out = feed("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", at(0));
  EXPECT_TRUE(out.close);
  EXPECT_EQ(session().next_deadline(), std::nullopt);
}

}  // namespace
}  // namespace archbench::http
