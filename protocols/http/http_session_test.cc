// HttpSession driven like a server drives it: bytes in, SessionOutput out, deadlines by hand.
#include "protocols/http/http_session.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

class HttpSessionTest : public testing::HttpSessionFixture {
 protected:
  HttpSessionTest() {
    config_.package_max_length = 1 << 16;
    config_.can_broadcast = true;
  }
};

const std::string kGetRoot = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";

TEST_F(HttpSessionTest, AnswersAGet) {
  SessionOutput out = feed(kGetRoot);
  EXPECT_EQ(out.bytes,
            "HTTP/1.1 200 OK\r\nServer: archbench/test\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "Content-Type: text/plain\r\nContent-Length: 11\r\n\r\nHello World");
  EXPECT_FALSE(out.close);
  // Nothing owed: only the keep-alive clock runs, from this reply.
  EXPECT_EQ(session().next_deadline(), kStart.steady + kDefaultKeepAliveTimeout);
}

TEST_F(HttpSessionTest, HeadGetsHeadersOnly) {
  SessionOutput out = feed("HEAD / HTTP/1.1\r\nHost: h\r\n\r\n" + kGetRoot);
  auto rs = responses(out.bytes, {true, false});
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(*rs[0].find_header("Content-Length"), "11");
  EXPECT_EQ(rs[0].body, "");
  EXPECT_EQ(rs[1].body, "Hello World");
}

TEST_F(HttpSessionTest, SixteenPipelinedRequestsAnsweredInOrder) {
  std::string input;
  for (int i = 0; i < 16; ++i) input += "GET /bytes?n=" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n";
  SessionOutput out = feed(input);
  auto rs = responses(out.bytes);
  ASSERT_EQ(rs.size(), 16u);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(rs[i].body, bytes_body(i));
  EXPECT_FALSE(out.close);
}

TEST_F(HttpSessionTest, OneByteAtATimeGivesTheSameBytes) {
  std::string input = kGetRoot + "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc" +
                      "GET /json HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
  std::string whole = feed(input).bytes;
  session_.reset();
  std::string bytewise;
  for (char c : input) bytewise += feed(std::string_view(&c, 1)).bytes;
  EXPECT_EQ(bytewise, whole);
  EXPECT_EQ(responses(whole).size(), 3u);
}

TEST_F(HttpSessionTest, RequestAfterSleepStaysInOrder) {
  SessionOutput first = feed("GET /sleep?ms=100 HTTP/1.1\r\nHost: h\r\n\r\n" + kGetRoot +
                             "GET /json HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(first.bytes, "");  // "/" and "/json" are ready but must wait for the sleep
  EXPECT_EQ(session().queued_replies(), 3u);
  ASSERT_EQ(session().next_deadline(), kStart.steady + milliseconds(100));
  EXPECT_EQ(deadline(at(99)).bytes, "");
  SessionOutput later = deadline(at(100));
  auto rs = responses(later.bytes);
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].body, "slept 100 ms");
  EXPECT_EQ(rs[1].body, "Hello World");
  EXPECT_EQ(rs[2].body, R"({"message":"Hello, World!"})");
  EXPECT_EQ(session().next_deadline(), steady(100) + kDefaultKeepAliveTimeout);
  // The connection goes on normally afterwards.
  EXPECT_EQ(responses(feed(kGetRoot, at(101)).bytes).size(), 1u);
}

TEST_F(HttpSessionTest, ShorterSleepBehindLongerOneWaitsItsTurn) {
  feed("GET /sleep?ms=200 HTTP/1.1\r\nHost: h\r\n\r\nGET /sleep?ms=50 HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(deadline(at(50)).bytes, "");
  auto rs = responses(deadline(at(200)).bytes);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].body, "slept 200 ms");
  EXPECT_EQ(rs[1].body, "slept 50 ms");
}

TEST_F(HttpSessionTest, SecondSleepGetsItsOwnDeadline) {
  feed("GET /sleep?ms=50 HTTP/1.1\r\nHost: h\r\n\r\nGET /sleep?ms=300 HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(responses(deadline(at(60)).bytes).size(), 1u);
  EXPECT_EQ(session().next_deadline(), kStart.steady + milliseconds(300));
  EXPECT_EQ(responses(deadline(at(300)).bytes).size(), 1u);
}

TEST_F(HttpSessionTest, Http10WithoutKeepAliveClosesAfterTheAnswer) {
  SessionOutput out = feed("GET / HTTP/1.0\r\n\r\n" + kGetRoot);
  auto rs = responses(out.bytes);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(*rs[0].find_header("Connection"), "close");
  EXPECT_TRUE(out.close);
}

TEST_F(HttpSessionTest, Http10KeepAliveStaysOpen) {
  SessionOutput out = feed("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  auto rs = responses(out.bytes);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(*rs[0].find_header("Connection"), "keep-alive");
  EXPECT_FALSE(out.close);
  EXPECT_EQ(responses(feed("GET /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").bytes).size(), 1u);
}

TEST_F(HttpSessionTest, ConnectionCloseThenMoreBytesAreNotRead) {
  SessionOutput out = feed("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n" + kGetRoot);
  auto rs = responses(out.bytes);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_TRUE(out.close);
  EXPECT_EQ(feed(kGetRoot).bytes, "");
}

TEST_F(HttpSessionTest, ConnectionCloseBehindASleepClosesAfterIt) {
  SessionOutput out = feed("GET /sleep?ms=10 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n" +
                           kGetRoot);
  EXPECT_FALSE(out.close);
  EXPECT_EQ(feed(kGetRoot).bytes, "");
  SessionOutput later = deadline(at(10));
  EXPECT_EQ(responses(later.bytes).size(), 1u);
  EXPECT_TRUE(later.close);
}

struct BadInput {
  std::string name;
  std::string bytes;
  int status;
};

void PrintTo(const BadInput& input, std::ostream* os) { *os << input.name; }

class HttpSessionBadInput : public HttpSessionTest,
                            public ::testing::WithParamInterface<BadInput> {};

TEST_P(HttpSessionBadInput, AnsweredThenClosed) {
  // A good request first: it is still answered, then the error, then nothing.
  SessionOutput out = feed(kGetRoot + GetParam().bytes + kGetRoot);
  auto rs = responses(out.bytes);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].status, 200);
  EXPECT_EQ(rs[1].status, GetParam().status);
  EXPECT_EQ(*rs[1].find_header("Connection"), "close");
  EXPECT_FALSE(rs[1].body.empty());
  EXPECT_TRUE(out.close);
  EXPECT_FALSE(out.log.empty());
  EXPECT_EQ(feed(kGetRoot).bytes, "");
}

INSTANTIATE_TEST_SUITE_P(
    Conformance, HttpSessionBadInput,
    ::testing::Values(
        BadInput{"MissingHost", "GET / HTTP/1.1\r\n\r\n", 400},
        BadInput{"ClAndTe", "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n"
                            "Transfer-Encoding: chunked\r\n\r\n", 400},
        BadInput{"Pigeons", "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: pigeons\r\n\r\n", 501},
        BadInput{"Http2", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505},
        BadInput{"HugeHeader", "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(9000, 'x') + "\r\n\r\n", 431},
        BadInput{"LongTarget", "GET /" + std::string(5000, 'x') + " HTTP/1.1\r\nHost: h\r\n\r\n", 414},
        BadInput{"TooBig", "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 65537\r\n\r\n", 413},
        BadInput{"BadChunk", "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
        BadInput{"BadBytesParameter", "GET /bytes?n=x HTTP/1.1\r\nHost: h\r\n\r\n", 400}),
    [](const auto& info) { return info.param.name; });

TEST_F(HttpSessionTest, OversizeBodyIsRefusedWithoutItsBytes) {
  SessionOutput out = feed("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n");
  auto rs = responses(out.bytes);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 413);
  EXPECT_TRUE(out.close);
}

TEST_F(HttpSessionTest, ExpectContinue) {
  SessionOutput head = feed("POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
                            "Content-Length: 4\r\n\r\n");
  EXPECT_EQ(head.bytes, "HTTP/1.1 100 Continue\r\n\r\n");
  auto rs = responses(feed("body").bytes);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body, "body");
}

TEST_F(HttpSessionTest, PeerCloseWhileIdleCloses) {
  feed(kGetRoot);
  SessionOutput out;
  session().on_peer_closed(kStart, out);
  EXPECT_TRUE(out.close);
}

TEST_F(HttpSessionTest, PeerCloseStillDeliversDeferredReplies) {
  feed("GET /sleep?ms=20 HTTP/1.1\r\nHost: h\r\n\r\n");
  SessionOutput closed;
  session().on_peer_closed(at(1), closed);
  EXPECT_FALSE(closed.close);
  SessionOutput later = deadline(at(20));
  EXPECT_EQ(responses(later.bytes).size(), 1u);
  EXPECT_TRUE(later.close);
}

TEST_F(HttpSessionTest, BacklogStopsParsingAndResumes) {
  std::string input = "GET /sleep?ms=10 HTTP/1.1\r\nHost: h\r\n\r\n";
  for (int i = 0; i < 200; ++i) input += kGetRoot;
  EXPECT_EQ(feed(input).bytes, "");
  EXPECT_EQ(session().queued_replies(), HttpSession::kMaxQueuedReplies);
  EXPECT_GT(session().unread_bytes(), 0u);
  auto rs = responses(deadline(at(10)).bytes);
  ASSERT_EQ(rs.size(), 201u);
  EXPECT_EQ(rs[0].body, "slept 10 ms");
  EXPECT_EQ(rs[200].body, "Hello World");
  EXPECT_EQ(session().unread_bytes(), 0u);
}

TEST_F(HttpSessionTest, BacklogOverflowGets503AfterTheOwedReplies) {
  feed("GET /sleep?ms=10 HTTP/1.1\r\nHost: h\r\n\r\n");
  SessionOutput flood;
  std::string chunk;
  for (int i = 0; i < 100; ++i) chunk += kGetRoot;
  for (int i = 0; i < 100 && flood.log.empty(); ++i) session().on_bytes(chunk, kStart, flood);
  EXPECT_FALSE(flood.log.empty());
  EXPECT_LE(session().unread_bytes(), config_.package_max_length + 8192);
  SessionOutput later = deadline(at(10));
  auto rs = responses(later.bytes);
  ASSERT_EQ(rs.size(), HttpSession::kMaxQueuedReplies + 1);
  EXPECT_EQ(rs[0].body, "slept 10 ms");
  EXPECT_EQ(rs.back().status, 503);
  EXPECT_TRUE(later.close);
}

// Found by fuzzing (fuzz/corpus/http_session/crash-head_upgrade_refusal_has_body): a HEAD
// request asking for a WebSocket upgrade was refused with a body (RFC 9110 9.3.2 forbids one).
TEST_F(HttpSessionTest, RefusedHeadUpgradeCarriesNoBody) {
  SessionOutput out = feed(
      "HEAD /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  std::vector<ParsedResponse> r = responses(out.bytes, {true});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 400);
  EXPECT_TRUE(r[0].body.empty());
  EXPECT_EQ(out.bytes.substr(out.bytes.size() - 4), "\r\n\r\n");  // nothing after the head
  EXPECT_TRUE(out.close);
}

}  // namespace
}  // namespace archbench::http
