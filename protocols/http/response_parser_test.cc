#include "protocols/http/response_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace archbench::http {
namespace {

using Status = ResponseParser::Status;

struct Parsed {
  std::vector<ParsedResponse> responses;
  bool error = false;
  int error_status = 0;
};

// Feeds `text` cut at `cuts`, then (when close_at_end) reports the peer's close.
Parsed parse(std::string_view text, const std::vector<std::size_t>& cuts, bool close_at_end,
             std::vector<bool> head = {}) {
  Parsed out;
  ResponseParser parser;
  std::size_t index = 0;
  auto arm = [&] { parser.expect_head_response(index < head.size() && head[index]); };
  arm();
  std::size_t start = 0;
  for (std::size_t i = 0; i <= cuts.size(); ++i) {
    std::size_t end = i < cuts.size() ? cuts[i] : text.size();
    std::string_view piece = text.substr(start, end - start);
    start = end;
    while (!piece.empty()) {
      auto r = parser.feed(piece);
      piece.remove_prefix(r.consumed);
      if (r.status == Status::kError) {
        out.error = true;
        out.error_status = parser.error().status;
        return out;
      }
      if (r.status == Status::kNeedMore) break;
      out.responses.push_back(parser.response());
      parser.reset();
      ++index;
      arm();
    }
  }
  if (close_at_end) {
    Status s = parser.finish();
    if (s == Status::kComplete) out.responses.push_back(parser.response());
    if (s == Status::kError) out.error = true;
  }
  return out;
}

const std::string kLength =
    "HTTP/1.1 200 OK\r\nServer: x\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\n"
    "Hello World";
const std::string kChunked =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5\r\nHello\r\n6;ext=1\r\n World\r\n0\r\nTrailer: t\r\n\r\n";
const std::string kUntilClose = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close";

TEST(ResponseParser, ContentLengthBody) {
  Parsed p = parse(kLength, {}, false);
  ASSERT_EQ(p.responses.size(), 1u);
  const ParsedResponse& r = p.responses[0];
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.reason, "OK");
  EXPECT_EQ(r.version_minor, 1);
  EXPECT_EQ(r.body, "Hello World");
  EXPECT_TRUE(r.keep_alive);
  ASSERT_NE(r.find_header("content-type"), nullptr);
  EXPECT_EQ(*r.find_header("content-type"), "text/plain");
}

TEST(ResponseParser, ChunkedBody) {
  Parsed p = parse(kChunked, {}, false);
  ASSERT_EQ(p.responses.size(), 1u);
  EXPECT_EQ(p.responses[0].body, "Hello World");
  EXPECT_EQ(p.responses[0].find_header("Trailer"), nullptr);
}

TEST(ResponseParser, CloseDelimitedBody) {
  Parsed open = parse(kUntilClose, {}, false);
  EXPECT_TRUE(open.responses.empty());  // cannot know the end before the close
  Parsed closed = parse(kUntilClose, {}, true);
  ASSERT_EQ(closed.responses.size(), 1u);
  EXPECT_EQ(closed.responses[0].body, "until close");
  EXPECT_FALSE(closed.responses[0].keep_alive);
}

TEST(ResponseParser, EveryCutPosition) {
  for (const std::string& text : {kLength, kChunked, kUntilClose}) {
    bool close = text == kUntilClose;
    Parsed whole = parse(text, {}, close);
    ASSERT_EQ(whole.responses.size(), 1u);
    for (std::size_t cut = 1; cut < text.size(); ++cut) {
      Parsed split = parse(text, {cut}, close);
      ASSERT_EQ(split.responses.size(), 1u) << cut;
      EXPECT_EQ(split.responses[0].body, whole.responses[0].body) << cut;
      EXPECT_EQ(split.responses[0].headers.size(), whole.responses[0].headers.size());
    }
  }
}

TEST(ResponseParser, OneByteAtATimePipelined) {
  std::string text = kLength + kChunked + kLength;
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < text.size(); ++i) cuts.push_back(i);
  Parsed p = parse(text, cuts, false);
  ASSERT_EQ(p.responses.size(), 3u);
  for (const auto& r : p.responses) EXPECT_EQ(r.body, "Hello World");
}

TEST(ResponseParser, NoBodyFor204And304AndHead) {
  std::string text =
      "HTTP/1.1 204 No Content\r\n\r\n"
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n"  // the answer to a HEAD
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  Parsed p = parse(text, {}, false, {false, false, true, false});
  ASSERT_EQ(p.responses.size(), 4u);
  EXPECT_EQ(p.responses[0].status, 204);
  EXPECT_EQ(p.responses[1].status, 304);
  EXPECT_EQ(p.responses[2].body, "");
  EXPECT_EQ(p.responses[3].body, "ok");
}

TEST(ResponseParser, InterimResponsesComeSeparately) {
  std::string text = "HTTP/1.1 100 Continue\r\n\r\n" + kLength;
  Parsed p = parse(text, {}, false);
  ASSERT_EQ(p.responses.size(), 2u);
  EXPECT_EQ(p.responses[0].status, 100);
  EXPECT_EQ(p.responses[1].body, "Hello World");
}

TEST(ResponseParser, SwitchingProtocolsEndsAtTheHeaderSection) {
  ResponseParser parser;
  std::string text = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x02hi";
  auto r = parser.feed(text);
  ASSERT_EQ(r.status, Status::kComplete);
  EXPECT_EQ(parser.response().status, 101);
  EXPECT_EQ(text.substr(r.consumed), "\x81\x02hi");  // WebSocket bytes left for the caller
}

TEST(ResponseParser, KeepAliveFromVersionAndConnection) {
  EXPECT_FALSE(parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", {}, false)
                   .responses[0].keep_alive);
  EXPECT_TRUE(parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", {},
                    false).responses[0].keep_alive);
  EXPECT_FALSE(parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", {}, false)
                   .responses[0].keep_alive);
}

TEST(ResponseParser, MissingReasonPhraseIsTolerated) {
  Parsed p = parse("HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n", {}, false);
  ASSERT_EQ(p.responses.size(), 1u);
  EXPECT_EQ(p.responses[0].status, 404);
  EXPECT_EQ(p.responses[0].reason, "");
}

TEST(ResponseParser, FinishReportsCleanAndCutShortCloses) {
  ResponseParser idle;
  EXPECT_EQ(idle.finish(), Status::kNeedMore);
  ResponseParser cut;
  cut.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  EXPECT_EQ(cut.finish(), Status::kError);
  ResponseParser head_cut;
  head_cut.feed("HTTP/1.1 200 O");
  EXPECT_EQ(head_cut.finish(), Status::kError);
}

TEST(ResponseParser, BodyLimit) {
  ResponseLimits limits;
  limits.max_body = 5;
  ResponseParser parser(limits);
  auto r = parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n");
  EXPECT_EQ(r.status, Status::kError);
  EXPECT_EQ(parser.error().status, 413);
}

class BadResponses : public ::testing::TestWithParam<std::string> {};

TEST_P(BadResponses, AreErrors) {
  Parsed p = parse(GetParam(), {}, false);
  EXPECT_TRUE(p.error) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(
    Responses, BadResponses,
    ::testing::Values("HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n",
                      "HTTP/1.1  200 OK\r\n\r\n", "HTTP/2.0 200 OK\r\n\r\n",
                      "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
                      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                      "HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n",
                      "HTTP/1.1 200 OK\nContent-Length: 0\n\n",
                      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                      "ICY 200 OK\r\n\r\n"));

}  // namespace
}  // namespace archbench::http
