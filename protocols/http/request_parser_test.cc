// Valid requests: fields, framing, keep-alive rules, splits, pipelining, limits at the edge.
#include <gtest/gtest.h>

#include <string>

#include "protocols/http/request_parser.h"
#include "protocols/http/request_test_util.h"

namespace archbench::http {
namespace {

using testing::expect_same_request;
using testing::parse_in_pieces;
using testing::parse_with_cuts;
using testing::ParseOutcome;

const std::string kSimpleGet = "GET /inspect?a=1&b=x%20y HTTP/1.1\r\nHost: example.com\r\n"
                               "User-Agent:  curl/7.88  \r\nAccept: */*\r\n\r\n";

const std::string kChunkedPost =
    "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
    "Content-Type: text/plain\r\n\r\n"
    "5;name=value\r\nhello\r\n"
    "7\r\n, world\r\n"
    "0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n";

Request parse_one(std::string_view text, const RequestLimits& limits = {}) {
  ParseOutcome outcome = parse_in_pieces(text, 0, limits);
  EXPECT_FALSE(outcome.error.has_value()) << outcome.error->status << " " << outcome.error->reason;
  EXPECT_EQ(outcome.requests.size(), 1u);
  return outcome.requests.empty() ? Request{} : outcome.requests[0];
}

TEST(RequestParser, ParsesRequestLineAndHeaders) {
  Request r = parse_one(kSimpleGet);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/inspect?a=1&b=x%20y");
  EXPECT_EQ(r.path, "/inspect");
  EXPECT_EQ(r.query, "a=1&b=x%20y");
  EXPECT_EQ(r.version_minor, 1);
  EXPECT_TRUE(r.keep_alive);
  ASSERT_EQ(r.headers.size(), 3u);
  EXPECT_EQ(r.headers[1].name, "User-Agent");
  EXPECT_EQ(r.headers[1].value, "curl/7.88");  // OWS trimmed both sides
  ASSERT_NE(r.find_header("host"), nullptr);
  EXPECT_EQ(*r.find_header("HOST"), "example.com");
  EXPECT_EQ(r.body, "");
}

TEST(RequestParser, PercentDecodesThePathOnly) {
  Request r = parse_one("GET /a%20b/c%2Fd+e?q=%20 HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(r.path, "/a b/c/d+e");
  EXPECT_EQ(r.query, "q=%20");
}

TEST(RequestParser, AbsoluteFormTargetYieldsPath) {
  Request r = parse_one("GET http://example.com:8080/json?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
  EXPECT_EQ(r.path, "/json");
  EXPECT_EQ(r.query, "x=1");
  Request bare = parse_one("GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n");
  EXPECT_EQ(bare.path, "/");
}

TEST(RequestParser, AsteriskFormForOptions) {
  Request r = parse_one("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(r.path, "*");
}

TEST(RequestParser, ContentLengthBody) {
  Request r = parse_one("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world");
  EXPECT_EQ(r.body, "hello world");
}

TEST(RequestParser, ZeroContentLengthIsComplete) {
  Request r = parse_one("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(r.body, "");
}

TEST(RequestParser, IdenticalDuplicateContentLengthsAreMerged) {
  Request r = parse_one(
      "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_EQ(r.body, "abc");
  Request list = parse_one("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\nabc");
  EXPECT_EQ(list.body, "abc");
}

TEST(RequestParser, ChunkedBodyWithExtensionsAndTrailers) {
  Request r = parse_one(kChunkedPost);
  EXPECT_EQ(r.body, "hello, world");
  // Trailer fields are not merged into the headers.
  EXPECT_EQ(r.find_header("X-Checksum"), nullptr);
}

TEST(RequestParser, ChunkedCodingNameIsCaseInsensitive) {
  Request r = parse_one(
      "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
  EXPECT_EQ(r.body, "abc");
}

TEST(RequestParser, ChunkSizeWithWhitespaceBeforeExtensionIsAccepted) {
  Request r = parse_one(
      "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3 ;x=1\r\nabc\r\n0\r\n\r\n");
  EXPECT_EQ(r.body, "abc");
}

TEST(RequestParser, KeepAliveRules) {
  EXPECT_TRUE(parse_one("GET / HTTP/1.1\r\nHost: h\r\n\r\n").keep_alive);
  EXPECT_FALSE(parse_one("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").keep_alive);
  EXPECT_FALSE(parse_one("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, CLOSE\r\n\r\n")
                   .keep_alive);
  EXPECT_FALSE(parse_one("GET / HTTP/1.0\r\n\r\n").keep_alive);
  EXPECT_TRUE(parse_one("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive);
  EXPECT_FALSE(
      parse_one("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n")
          .keep_alive);
}

TEST(RequestParser, Http10NeedsNoHost) {
  Request r = parse_one("GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(r.version_minor, 0);
  EXPECT_TRUE(r.headers.empty());
}

TEST(RequestParser, HigherMinorVersionIsServedAsHttp11) {
  EXPECT_EQ(parse_one("GET / HTTP/1.2\r\nHost: h\r\n\r\n").version_minor, 1);
}

TEST(RequestParser, LeadingEmptyLinesAreIgnored) {
  Request r = parse_one("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(r.path, "/");
}

TEST(RequestParser, EmptyHeaderValueAndObsTextAreKept) {
  Request r = parse_one("GET / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\nX-Latin: caf\xe9\r\n\r\n");
  EXPECT_EQ(*r.find_header("x-empty"), "");
  EXPECT_EQ(*r.find_header("x-latin"), "caf\xe9");
}

TEST(RequestParser, HeaderSectionOfExactlyTheLimitIsAccepted) {
  std::string head = "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: ";
  std::string tail = "\r\n\r\n";
  std::string text = head + std::string(8192 - head.size() - tail.size(), 'p') + tail;
  ASSERT_EQ(text.size(), 8192u);
  EXPECT_EQ(parse_one(text).headers.size(), 2u);
  EXPECT_EQ(parse_in_pieces(text, 100).requests.size(), 1u);
}

TEST(RequestParser, TargetOfExactlyTheLimitIsAccepted) {
  std::string target = "/" + std::string(4095, 't');
  Request r = parse_one("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(r.path.size(), 4096u);
}

TEST(RequestParser, BodyOfExactlyTheLimitIsAccepted) {
  RequestLimits limits;
  limits.max_body = 10;
  Request r = parse_one("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789",
                        limits);
  EXPECT_EQ(r.body, "0123456789");
  Request c = parse_one(
      "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4\r\n0123\r\n6\r\n456789\r\n0\r\n\r\n",
      limits);
  EXPECT_EQ(c.body, "0123456789");
}

TEST(RequestParser, OneByteAtATime) {
  ParseOutcome one = parse_in_pieces(kSimpleGet + kChunkedPost, 1);
  ASSERT_FALSE(one.error.has_value());
  ASSERT_EQ(one.requests.size(), 2u);
  ParseOutcome whole = parse_in_pieces(kSimpleGet + kChunkedPost, 0);
  ASSERT_EQ(whole.requests.size(), 2u);
  expect_same_request(one.requests[0], whole.requests[0]);
  expect_same_request(one.requests[1], whole.requests[1]);
}

// Every single split position gives the same request as the unsplit input.
class SplitPositions : public ::testing::TestWithParam<std::string> {};

TEST_P(SplitPositions, EveryCutGivesTheSameRequest) {
  const std::string& text = GetParam();
  ParseOutcome whole = parse_in_pieces(text, 0);
  ASSERT_FALSE(whole.error.has_value());
  ASSERT_EQ(whole.requests.size(), 1u);
  for (std::size_t cut = 1; cut < text.size(); ++cut) {
    ParseOutcome split = parse_with_cuts(text, {cut});
    ASSERT_FALSE(split.error.has_value()) << "cut at " << cut;
    ASSERT_EQ(split.requests.size(), 1u) << "cut at " << cut;
    expect_same_request(split.requests[0], whole.requests[0]);
    ASSERT_EQ(split.consumed, text.size());
  }
}

TEST_P(SplitPositions, EveryPairOfCutsGivesTheSameRequest) {
  const std::string& text = GetParam();
  ParseOutcome whole = parse_in_pieces(text, 0);
  ASSERT_EQ(whole.requests.size(), 1u);
  for (std::size_t a = 1; a < text.size(); a += 3) {
    for (std::size_t b = a + 1; b < text.size(); b += 5) {
      ParseOutcome split = parse_with_cuts(text, {a, b});
      ASSERT_EQ(split.requests.size(), 1u) << "cuts at " << a << "," << b;
      expect_same_request(split.requests[0], whole.requests[0]);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Requests, SplitPositions,
    ::testing::Values(kSimpleGet, kChunkedPost,
                      "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nabcde",
                      "\r\nGET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));

TEST(RequestParser, SixteenPipelinedRequestsInOneBuffer) {
  std::string text;
  for (int i = 0; i < 16; ++i) {
    if (i % 4 == 3) {
      text += "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n" +
              std::to_string(10 + i);
    } else {
      text += "GET /r" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n";
    }
  }
  for (std::size_t piece : {0u, 1u, 7u, 64u}) {
    ParseOutcome outcome = parse_in_pieces(text, piece);
    ASSERT_FALSE(outcome.error.has_value());
    ASSERT_EQ(outcome.requests.size(), 16u) << "piece " << piece;
    for (int i = 0; i < 16; ++i) {
      if (i % 4 == 3) {
        EXPECT_EQ(outcome.requests[i].body, std::to_string(10 + i));
      } else {
        EXPECT_EQ(outcome.requests[i].path, "/r" + std::to_string(i));
      }
    }
  }
}

TEST(RequestParser, ReusedRequestDropsTheHeadersOfThePreviousOne) {
  ParseOutcome outcome = parse_in_pieces(
      "GET /a HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
      "POST /b HTTP/1.1\r\nHost: g\r\nContent-Length: 1\r\n\r\nx"
      "GET /c HTTP/1.1\r\nHost: f\r\n\r\n",
      0);
  ASSERT_EQ(outcome.requests.size(), 3u);
  EXPECT_EQ(outcome.requests[1].headers.size(), 2u);
  EXPECT_EQ(outcome.requests[1].body, "x");
  EXPECT_EQ(*outcome.requests[1].find_header("host"), "g");
  EXPECT_EQ(outcome.requests[1].find_header("A"), nullptr);
  EXPECT_EQ(outcome.requests[2].headers.size(), 1u);
  EXPECT_EQ(outcome.requests[2].body, "");
}

TEST(RequestParser, ExpectContinueIsReportedOnceBeforeTheBody) {
  RequestParser parser(RequestLimits{});
  std::string head = "POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
                     "Content-Length: 3\r\n\r\n";
  auto r = parser.feed(head);
  EXPECT_EQ(r.status, RequestParser::Status::kNeedMore);
  EXPECT_TRUE(parser.take_expect_continue());
  EXPECT_FALSE(parser.take_expect_continue());
  r = parser.feed("abc");
  ASSERT_EQ(r.status, RequestParser::Status::kComplete);
  EXPECT_EQ(parser.request().body, "abc");
}

TEST(RequestParser, ExpectContinueIsNotReportedWhenTheBodyCameAlong) {
  RequestParser parser(RequestLimits{});
  auto r = parser.feed(
      "POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_EQ(r.status, RequestParser::Status::kComplete);
  EXPECT_FALSE(parser.take_expect_continue());
}

TEST(RequestParser, CompleteStateConsumesNothingUntilReset) {
  RequestParser parser(RequestLimits{});
  std::string two = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n";
  auto r = parser.feed(two);
  ASSERT_EQ(r.status, RequestParser::Status::kComplete);
  EXPECT_EQ(r.consumed, two.size() / 2);
  auto again = parser.feed(std::string_view(two).substr(r.consumed));
  EXPECT_EQ(again.status, RequestParser::Status::kComplete);
  EXPECT_EQ(again.consumed, 0u);
  EXPECT_EQ(parser.request().path, "/1");
  parser.reset();
  r = parser.feed(std::string_view(two).substr(two.size() / 2));
  ASSERT_EQ(r.status, RequestParser::Status::kComplete);
  EXPECT_EQ(parser.request().path, "/2");
}

}  // namespace
}  // namespace archbench::http

namespace archbench::http {
namespace {

// Mutated requests (random bytes from a troublesome alphabet inserted at random places) must
// get the same verdict whole, one byte at a time and cut at random places.
TEST(RequestParserFuzz, EverySplitGivesTheSameVerdict) {
  const std::vector<std::string> seeds = {
      "GET /a?b=c HTTP/1.1\r\nHost: h\r\nX: y\r\n\r\n",
      "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
      "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;x\r\nabc\r\n0\r\n\r\n",
      "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n",
  };
  const std::string alphabet = std::string("\r\n :\t\x01\x7f" "aZ/0-;%", 14);
  std::uint32_t state = 12345;
  auto next = [&](std::uint32_t bound) {
    state = state * 1103515245u + 12345u;
    return (state >> 8) % bound;
  };
  for (int round = 0; round < 600; ++round) {
    std::string text = seeds[next(seeds.size())];
    int edits = 1 + next(3);
    for (int e = 0; e < edits; ++e) {
      std::size_t at = next(text.size() + 1);
      char c = alphabet[next(alphabet.size())];
      if (next(2) == 0 && at < text.size()) text[at] = c;
      else text.insert(text.begin() + at, c);
    }
    ParseOutcome whole = parse_in_pieces(text, 0);
    ParseOutcome bytes = parse_in_pieces(text, 1);
    ParseOutcome random = parse_with_cuts(text, {next(text.size()) });
    for (const ParseOutcome* other : {&bytes, &random}) {
      ASSERT_EQ(other->requests.size(), whole.requests.size()) << ::testing::PrintToString(text);
      ASSERT_EQ(other->error.has_value(), whole.error.has_value()) << ::testing::PrintToString(text);
      if (whole.error) {
        EXPECT_EQ(other->error->status, whole.error->status) << ::testing::PrintToString(text);
      }
      for (std::size_t i = 0; i < whole.requests.size(); ++i) {
        expect_same_request(other->requests[i], whole.requests[i]);
      }
    }
  }
}

}  // namespace
}  // namespace archbench::http
