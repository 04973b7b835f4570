// HttpSession's read timeouts: the header timeout (slowloris) -- when the clock runs, the 408,
// and how its deadline combines with deferred /sleep replies -- and the body timeout (slow
// POST). Time is simulated: every call gets its Now.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocols/http/http_session.h"
#include "protocols/http/http_session_test_support.h"
#include "protocols/http/response_parser.h"
#include "protocols/websocket/frame.h"

namespace archbench::http {
namespace {

using std::chrono::milliseconds;
using testing::at;
using testing::kStart;
using testing::responses;
using testing::steady;

const std::string kGetRoot = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
const std::string kSleep5s = "GET /sleep?ms=5000 HTTP/1.1\r\nHost: h\r\n\r\n";

class HttpSessionHeaderTimeoutTest : public testing::HttpSessionFixture {
 protected:
  HttpSessionHeaderTimeoutTest() {
    config_.header_timeout = milliseconds(1000);
    // Off, so that "no deadline" below means no header clock (the keep-alive clock has its own
    // tests, the body clock its fixture below).
    config_.keepalive_timeout = milliseconds(0);
    config_.body_timeout = milliseconds(0);
  }
};

TEST_F(HttpSessionHeaderTimeoutTest, PartialHeaderGets408ThenCloseAndALogLine) {
  EXPECT_EQ(feed("GET / HT", at(0)).bytes, "");
  ASSERT_EQ(session().next_deadline(), steady(1000));
  SessionOutput early = deadline(at(999));  // a driver waking early changes nothing
  EXPECT_EQ(early.bytes, "");
  EXPECT_FALSE(early.close);
  SessionOutput out = deadline(at(1000));
  EXPECT_EQ(out.bytes,
            "HTTP/1.1 408 Request Timeout\r\nServer: archbench/test\r\n"
            "Date: Sun, 06 Nov 1994 08:49:38 GMT\r\nContent-Type: text/plain\r\n"
            "Content-Length: 50\r\nConnection: close\r\n\r\n"
            "request header section not complete within 1000 ms");
  EXPECT_TRUE(out.close);
  EXPECT_EQ(out.log, "header timeout: 8 bytes of header in 1000 ms");
  EXPECT_EQ(session().next_deadline(), std::nullopt);
  // The rest of the header, now too late, is not read.
  EXPECT_EQ(feed("TP/1.1\r\nHost: h\r\n\r\n", at(1001)).bytes, "");
}

TEST_F(HttpSessionHeaderTimeoutTest, ASlowlorisIsTimedFromItsFirstByte) {
  const std::string header = "GET / HTTP/1.1\r\nHost: h\r\nX-a: b\r\n";
  for (int i = 0; i < 10; ++i) {  // one byte every 99 ms: each read is "progress"
    EXPECT_EQ(feed(header.substr(i, 1), at(i * 99)).bytes, "");
    EXPECT_EQ(session().next_deadline(), steady(1000)) << "after byte " << i;
  }
  // Bytes arriving at the deadline, before the driver ran its timers, do not save the request.
  SessionOutput out = feed(header.substr(10), at(1000));
  ASSERT_EQ(responses(out.bytes).size(), 1u);
  EXPECT_EQ(responses(out.bytes)[0].status, 408);
  EXPECT_TRUE(out.close);
  EXPECT_EQ(out.log, "header timeout: 10 bytes of header in 1000 ms");
}

TEST_F(HttpSessionHeaderTimeoutTest, TheHeaderClockStopsBetweenRequestsAndInTheBody) {
  EXPECT_EQ(session().next_deadline(), std::nullopt);  // accepted, nothing sent yet
  EXPECT_EQ(responses(feed(kGetRoot, at(0)).bytes).size(), 1u);
  EXPECT_EQ(session().next_deadline(), std::nullopt);  // idle keep-alive: no clock
  feed("\r\n\r\n", at(10));  // empty lines before a request line do not start it either
  EXPECT_EQ(session().next_deadline(), std::nullopt);
  // The header clock does not cover a body (the body clock, off in this fixture, does).
  feed("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nab", at(20));
  EXPECT_EQ(session().next_deadline(), std::nullopt);
  SessionOutput out = feed("cd", at(60000));
  auto rs = responses(out.bytes);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body, "abcd");
  EXPECT_FALSE(out.close);
}

TEST_F(HttpSessionHeaderTimeoutTest, TheClockStartsAtTheFirstByteNotAtAccept) {
  session();  // "accepted" at 0; the client says nothing for 5 s
  feed("G", at(5000));
  EXPECT_EQ(session().next_deadline(), steady(6000));
  auto rs = responses(feed("ET / HTTP/1.1\r\nHost: h\r\n\r\n", at(5999)).bytes);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 200);
  EXPECT_EQ(session().next_deadline(), std::nullopt);
}

TEST_F(HttpSessionHeaderTimeoutTest, PipelinedLeftoverStartsItsOwnClockWhenItArrived) {
  // The first request's header is split; the read that completes it also starts the next one.
  feed("GET /json HTTP/1.1\r\nHo", at(0));
  EXPECT_EQ(session().next_deadline(), steady(1000));
  SessionOutput out = feed("st: h\r\n\r\nGET / HTTP/1.1\r\nHo", at(700));
  ASSERT_EQ(responses(out.bytes).size(), 1u);
  EXPECT_EQ(session().next_deadline(), steady(1700));  // the leftover's time, not the first's
  // A complete request and a new partial one in the same read: timed from that read.
  out = feed("st: h\r\n\r\n" + kGetRoot + "GET / HT", at(1500));
  EXPECT_EQ(responses(out.bytes).size(), 2u);
  EXPECT_EQ(session().next_deadline(), steady(2500));
  EXPECT_EQ(deadline(at(2499)).bytes, "");
  out = deadline(at(2500));
  ASSERT_EQ(responses(out.bytes).size(), 1u);
  EXPECT_EQ(responses(out.bytes)[0].status, 408);
  EXPECT_EQ(out.log, "header timeout: 8 bytes of header in 1000 ms");
}

TEST_F(HttpSessionHeaderTimeoutTest, ZeroDisablesTheTimeout) {
  config_.header_timeout = milliseconds(0);
  feed("GET / HT", at(0));
  EXPECT_EQ(session().next_deadline(), std::nullopt);
  EXPECT_EQ(deadline(at(3600 * 1000)).bytes, "");
  auto rs = responses(feed("TP/1.1\r\nHost: h\r\n\r\n", at(3600 * 1000)).bytes);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 200);
}

TEST_F(HttpSessionHeaderTimeoutTest, HeaderDeadlineBeforeADeferredReplyQueuesThe408BehindIt) {
  feed(kSleep5s + "GET / HT", at(0));
  EXPECT_EQ(session().next_deadline(), steady(1000));  // the earlier of 5000 and 1000
  SessionOutput out = deadline(at(1000));
  EXPECT_EQ(out.bytes, "");  // the 408 must not overtake the reply owed to /sleep
  EXPECT_FALSE(out.close);
  EXPECT_EQ(out.log, "header timeout: 8 bytes of header in 1000 ms");
  EXPECT_EQ(session().next_deadline(), steady(5000));
  EXPECT_EQ(feed("TP/1.1\r\nHost: h\r\n\r\n", at(1200)).bytes, "");  // no longer read
  out = deadline(at(5000));
  auto rs = responses(out.bytes);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].body, "slept 5000 ms");
  EXPECT_EQ(rs[1].status, 408);
  EXPECT_FALSE(rs[1].keep_alive);
  EXPECT_TRUE(out.close);
}

TEST_F(HttpSessionHeaderTimeoutTest, DeferredReplyBeforeTheHeaderDeadlineGoesFirst) {
  feed("GET /sleep?ms=300 HTTP/1.1\r\nHost: h\r\n\r\nGET / HT", at(0));
  EXPECT_EQ(session().next_deadline(), steady(300));
  SessionOutput out = deadline(at(300));
  ASSERT_EQ(responses(out.bytes).size(), 1u);
  EXPECT_EQ(responses(out.bytes)[0].body, "slept 300 ms");
  EXPECT_FALSE(out.close);
  EXPECT_EQ(session().next_deadline(), steady(1000));
  out = deadline(at(1000));
  ASSERT_EQ(responses(out.bytes).size(), 1u);
  EXPECT_EQ(responses(out.bytes)[0].status, 408);
  EXPECT_TRUE(out.close);
}

TEST_F(HttpSessionHeaderTimeoutTest, KeptInputIsTimedFromWhenItWasLastAddedTo) {
  // A deferred reply and 63 more fill the backlog (64 replies): later input is kept unparsed.
  std::string input = kSleep5s;
  for (int i = 0; i < 63; ++i) input += kGetRoot;
  feed(input + "GET / HT", at(0));
  ASSERT_EQ(session().unread_bytes(), 8u);
  EXPECT_EQ(session().next_deadline(), steady(5000));  // not parsed, so not timed yet
  feed("TP/1.1\r\n", at(2000));
  SessionOutput out = deadline(at(5000));
  auto rs = responses(out.bytes);
  ASSERT_EQ(rs.size(), 65u);  // the owed replies, then at once the 408: 2000 + 1000 < 5000
  EXPECT_EQ(rs[0].body, "slept 5000 ms");
  EXPECT_EQ(rs[64].status, 408);
  EXPECT_TRUE(out.close);
  EXPECT_EQ(out.log, "header timeout: 16 bytes of header in 3000 ms");
}

TEST_F(HttpSessionHeaderTimeoutTest, PeerHalfCloseStopsTheClock) {
  feed(kSleep5s + "GET / HT", at(0));
  SessionOutput out;
  session().on_peer_closed(at(100), out);
  EXPECT_FALSE(out.close);  // the /sleep reply is still owed
  EXPECT_EQ(session().next_deadline(), steady(5000));
  out = deadline(at(5000));
  auto rs = responses(out.bytes);
  ASSERT_EQ(rs.size(), 1u);  // no 408 for a request that can never complete
  EXPECT_EQ(rs[0].body, "slept 5000 ms");
  EXPECT_TRUE(out.close);
}

TEST_F(HttpSessionHeaderTimeoutTest, WebSocketHandshakeIsTimedAndTheUpgradedSessionIsNot) {
  websocket_only_ = true;
  const std::string handshake =
      "GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  feed(handshake.substr(0, 40), at(0));
  EXPECT_EQ(session().next_deadline(), steady(1000));
  SessionOutput out = deadline(at(1000));
  ASSERT_EQ(responses(out.bytes).size(), 1u);
  EXPECT_EQ(responses(out.bytes)[0].status, 408);
  EXPECT_TRUE(out.close);
  EXPECT_EQ(out.log, "header timeout: 40 bytes of header in 1000 ms");

  // In time: 101, and a partial frame afterwards is the WebSocket session's business.
  session_.reset();
  feed(handshake.substr(0, 40), at(0));
  out = feed(handshake.substr(40), at(900));
  EXPECT_EQ(out.bytes.rfind("HTTP/1.1 101 ", 0), 0u) << out.bytes;
  const std::string frame = websocket::encode_frame(websocket::Opcode::kText, "hello", true,
                                                    websocket::MaskingKey{1, 2, 3, 4});
  feed(frame.substr(0, 3), at(950));
  EXPECT_EQ(session().next_deadline(), std::nullopt);
  EXPECT_FALSE(deadline(at(5000)).close);
}

class HttpSessionBodyTimeoutTest : public testing::HttpSessionFixture {
 protected:
  HttpSessionBodyTimeoutTest() {
    config_.header_timeout = milliseconds(1000);
    config_.body_timeout = milliseconds(500);
    config_.keepalive_timeout = milliseconds(0);
  }
};

const std::string kPostHead = "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n";

TEST_F(HttpSessionBodyTimeoutTest, AStalledBodyGets408AfterTheGapAndALogLine) {
  feed(kPostHead + "abc", at(0));
  EXPECT_EQ(session().next_deadline(), steady(500));
  feed("de", at(400));  // a read of body bytes restarts the clock
  EXPECT_EQ(session().next_deadline(), steady(900));
  EXPECT_EQ(deadline(at(899)).bytes, "");
  SessionOutput out = deadline(at(900));
  auto rs = responses(out.bytes);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 408);
  EXPECT_EQ(rs[0].body, "no byte of the request body for 500 ms");
  EXPECT_FALSE(rs[0].keep_alive);
  EXPECT_TRUE(out.close);
  EXPECT_EQ(out.log, "body timeout: no body byte for 500 ms (5 of the body's bytes received)");
  EXPECT_EQ(feed("fghij", at(950)).bytes, "");  // too late: nothing more is read
}

TEST_F(HttpSessionBodyTimeoutTest, ASlowButSteadyBodyIsServed) {
  // 10 body bytes over 3.6 s, longer than either limit, but never 500 ms without a byte.
  feed(kPostHead, at(0));
  SessionOutput out;
  for (int i = 0; i < 10; ++i) out = feed(std::string(1, static_cast<char>('a' + i)), at(i * 400));
  auto rs = responses(out.bytes);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 200);
  EXPECT_EQ(rs[0].body, "abcdefghij");
  EXPECT_EQ(session().next_deadline(), std::nullopt);  // between requests (keep-alive off)
}

TEST_F(HttpSessionBodyTimeoutTest, BytesAtTheDeadlineDoNotSaveTheRequest) {
  feed(kPostHead + "abc", at(0));
  SessionOutput out = feed("defghij", at(500));
  auto rs = responses(out.bytes);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 408);
  EXPECT_TRUE(out.close);
}

TEST_F(HttpSessionBodyTimeoutTest, ZeroLeavesTheBodyUntimed) {
  config_.body_timeout = milliseconds(0);
  feed(kPostHead + "abc", at(0));
  EXPECT_EQ(session().next_deadline(), std::nullopt);
  auto rs = responses(feed("defghij", at(3600 * 1000)).bytes);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body, "abcdefghij");
}

}  // namespace
}  // namespace archbench::http
