// HeaderClock against a real RequestParser, and the 408 both HttpSession and the reactor send.
#include "protocols/http/header_timeout.h"

#include <gtest/gtest.h>

#include "protocols/http/response_parser.h"

namespace archbench::http {
namespace {

using std::chrono::milliseconds;

const TimePoint kT0{std::chrono::seconds(50)};

class HeaderClockTest : public ::testing::Test {
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
  HeaderClock clock_{milliseconds(250)};
};

TEST_F(HeaderClockTest, RunsFromTheFirstHeaderByteUntilTheSectionEnds) {
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
}

TEST_F(HeaderClockTest, StopsInTheBodyAndAtTheEndOfTheRequest) {
  feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n", 0);
  EXPECT_TRUE(clock_.deadline().has_value());
  feed("\r\na", 100);  // header complete, body under way: the body is not timed
  EXPECT_FALSE(parser_.in_header_section());
  EXPECT_EQ(clock_.deadline(), std::nullopt);
  EXPECT_EQ(feed("bc", 5000), RequestParser::Status::kComplete);
  EXPECT_EQ(clock_.deadline(), std::nullopt);
  parser_.reset();
  feed("G", 6000);  // the next request has a clock of its own
  EXPECT_EQ(clock_.deadline(), kT0 + milliseconds(6250));
}

TEST(HeaderClockDisabledTest, ZeroNeverStarts) {
  RequestParser parser{RequestLimits{}};
  HeaderClock clock{milliseconds(0)};
  parser.feed("GET / HT");
  clock.after_need_more(parser, kT0);
  EXPECT_EQ(clock.deadline(), std::nullopt);
  EXPECT_FALSE(clock.expired(kT0 + std::chrono::hours(24)));
}

TEST(HeaderTimeoutReplyTest, Is408WithCloseDateServerAndAReason) {
  ResponseWriter writer("archbench/test");
  const std::string bytes = header_timeout_reply_bytes(
      milliseconds(300), writer, std::chrono::system_clock::time_point{std::chrono::seconds(0)});
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
  EXPECT_EQ(header_timeout_response(milliseconds(300)).body, r.body);
}

}  // namespace
}  // namespace archbench::http
