// RequestClock against a real RequestParser (header total, body gap), and the 408 both
// HttpSession and the reactor send.
#include "protocols/http/request_clock.h"

#include <gtest/gtest.h>

#include "protocols/http/response_parser.h"

namespace archbench::http {
namespace {

using std::chrono::milliseconds;

const TimePoint kT0{std::chrono::seconds(50)};

class RequestClockTest : public ::testing::Test {
 protected:
  // Feeds `bytes` arriving at kT0 + ms, as a session does.
  RequestParser::Status feed(std::string_view bytes, int ms) {
    RequestParser::Result r = parser_.feed(bytes);
    if (r.status == RequestParser::Status::kNeedMore) {
      clock_.after_need_more(parser_, kT0 + milliseconds(ms));
    } else {
      clock_.stop();
    }
    return r.status;
  }

  RequestParser parser_{RequestLimits{}};
  RequestClock clock_{milliseconds(250), milliseconds(1000)};
};

TEST_F(RequestClockTest, TheHeaderRunsFromItsFirstByteUntilTheSectionEnds) {
  EXPECT_EQ(clock_.deadline(), std::nullopt);
  EXPECT_EQ(feed("\r\n", 0), RequestParser::Status::kNeedMore);  // an empty line is no request
  EXPECT_EQ(clock_.deadline(), std::nullopt);
  EXPECT_EQ(parser_.header_bytes(), 0u);
  feed("GET /", 10);
  EXPECT_TRUE(parser_.in_header_section());
  EXPECT_EQ(parser_.header_bytes(), 5u);
  EXPECT_EQ(clock_.deadline(), kT0 + milliseconds(260));
  feed(" HTTP/1.1\r\n", 200);  // progress does not move the deadline
  EXPECT_EQ(clock_.deadline(), kT0 + milliseconds(260));
  EXPECT_FALSE(clock_.expired(kT0 + milliseconds(259)));
  EXPECT_TRUE(clock_.expired(kT0 + milliseconds(260)));
  EXPECT_EQ(clock_.describe(parser_, kT0 + milliseconds(300)),
            "header timeout: 16 bytes of header in 290 ms");
  EXPECT_EQ(clock_.timeout_response().body, "request header section not complete within 250 ms");
}

TEST_F(RequestClockTest, TheBodyBoundsTheGapBetweenReadsNotTheWhole) {
  feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n", 0);
  EXPECT_EQ(clock_.deadline(), kT0 + milliseconds(250));
  feed("\r\n", 100);  // header complete, no body byte yet: the body clock starts here
  EXPECT_TRUE(parser_.in_body());
  EXPECT_EQ(clock_.deadline(), kT0 + milliseconds(1100));
  feed("abc", 1000);  // each read of body bytes restarts it
  EXPECT_EQ(clock_.deadline(), kT0 + milliseconds(2000));
  feed("de", 1900);
  EXPECT_EQ(clock_.deadline(), kT0 + milliseconds(2900));
  EXPECT_TRUE(clock_.expired(kT0 + milliseconds(2900)));
  EXPECT_EQ(clock_.describe(parser_, kT0 + milliseconds(2900)),
            "body timeout: no body byte for 1000 ms (5 of the body's bytes received)");
  EXPECT_EQ(clock_.timeout_response().body, "no byte of the request body for 1000 ms");
  EXPECT_EQ(feed("fghij", 2500), RequestParser::Status::kComplete);
  EXPECT_EQ(clock_.deadline(), std::nullopt);
  parser_.reset();
  feed("G", 6000);  // the next request has a header clock of its own
  EXPECT_EQ(clock_.deadline(), kT0 + milliseconds(6250));
}

TEST_F(RequestClockTest, AChunkedBodyIsTimedTheSameWay) {
  feed("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab", 0);
  EXPECT_TRUE(parser_.in_body());
  EXPECT_EQ(clock_.deadline(), kT0 + milliseconds(1000));
  feed("c\r\n", 700);
  EXPECT_EQ(clock_.deadline(), kT0 + milliseconds(1700));
  EXPECT_EQ(clock_.describe(parser_, kT0 + milliseconds(1700)),
            "body timeout: no body byte for 1000 ms (3 of the body's bytes received)");
}

TEST(RequestClockDisabledTest, ZeroNeverStartsThatPhase) {
  RequestParser parser{RequestLimits{}};
  RequestClock clock{milliseconds(0), milliseconds(0)};
  parser.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-");
  clock.after_need_more(parser, kT0);
  EXPECT_EQ(clock.deadline(), std::nullopt);
  parser.feed("Length: 5\r\n\r\nab");
  clock.after_need_more(parser, kT0);
  EXPECT_EQ(clock.deadline(), std::nullopt);
  EXPECT_FALSE(clock.expired(kT0 + std::chrono::hours(24)));
}

TEST(RequestClockDisabledTest, OnlyTheBodyOff) {
  RequestParser parser{RequestLimits{}};
  RequestClock clock{milliseconds(100), milliseconds(0)};
  parser.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-");
  clock.after_need_more(parser, kT0);
  EXPECT_EQ(clock.deadline(), kT0 + milliseconds(100));
  parser.feed("Length: 5\r\n\r\nab");
  clock.after_need_more(parser, kT0 + milliseconds(50));
  EXPECT_EQ(clock.deadline(), std::nullopt);  // the header's deadline does not carry over
}

TEST(RequestTimeoutReplyTest, Is408WithCloseDateServerAndAReason) {
  ResponseWriter writer("archbench/test");
  RequestClock clock{milliseconds(300), milliseconds(0)};
  const std::string bytes = clock.timeout_reply_bytes(
      writer, std::chrono::system_clock::time_point{std::chrono::seconds(0)});
  ResponseParser parser;
  ASSERT_EQ(parser.feed(bytes).status, ResponseParser::Status::kComplete);
  const ParsedResponse& r = parser.response();
  EXPECT_EQ(r.status, 408);
  EXPECT_EQ(r.reason, "Request Timeout");
  EXPECT_FALSE(r.keep_alive);
  EXPECT_EQ(*r.find_header("Connection"), "close");
  EXPECT_EQ(*r.find_header("Server"), "archbench/test");
  EXPECT_EQ(*r.find_header("Date"), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(*r.find_header("Content-Type"), "text/plain");
  EXPECT_EQ(r.body, "request header section not complete within 300 ms");
  // The session's reply is the same Response, framed the same way.
  EXPECT_EQ(clock.timeout_response().body, r.body);
}

}  // namespace
}  // namespace archbench::http
