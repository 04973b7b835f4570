#include "protocols/http/chunked_decoder.h"

#include <gtest/gtest.h>

#include <string>

namespace archbench::http {
namespace {

using Status = ChunkedDecoder::Status;

struct Decoded {
  Status status;
  std::string body;
  std::size_t consumed = 0;
  int error_status = 0;
};

Decoded decode(std::string_view text, std::size_t piece, std::size_t max_body = 1 << 20) {
  ChunkedDecoder decoder(max_body, 8192);
  Decoded out{Status::kNeedMore, {}};
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t n = piece == 0 ? text.size() - pos : std::min(piece, text.size() - pos);
    auto r = decoder.feed(text.substr(pos, n), out.body);
    out.consumed += r.consumed;
    out.status = r.status;
    if (r.status == Status::kError) out.error_status = decoder.error().status;
    if (r.status != Status::kNeedMore) return out;
    pos += n;
  }
  return out;
}

TEST(ChunkedDecoder, DecodesChunksAndStopsAtTheEnd) {
  std::string text = "4\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\nNEXT";
  Decoded d = decode(text, 0);
  EXPECT_EQ(d.status, Status::kDone);
  EXPECT_EQ(d.body, "Wikipedia in\r\n\r\nchunks.");
  EXPECT_EQ(d.consumed, text.size() - 4);
}

TEST(ChunkedDecoder, EverySplitAndOneByteFeeding) {
  std::string text = "3;a=b;c\r\nabc\r\n10\r\n0123456789abcdef\r\n0;x\r\nT: 1\r\n\r\n";
  for (std::size_t piece = 1; piece <= text.size(); ++piece) {
    Decoded d = decode(text, piece);
    ASSERT_EQ(d.status, Status::kDone) << piece;
    EXPECT_EQ(d.body, "abc0123456789abcdef") << piece;
    EXPECT_EQ(d.consumed, text.size());
  }
}

TEST(ChunkedDecoder, UpperAndLowerCaseHexAndLeadingZeros) {
  EXPECT_EQ(decode("0000A\r\n0123456789\r\n0\r\n\r\n", 0).body, "0123456789");
  EXPECT_EQ(decode("a\r\n0123456789\r\n0\r\n\r\n", 0).body, "0123456789");
}

TEST(ChunkedDecoder, SixteenHexDigitsParseWithoutOverflow) {
  Decoded d = decode("0000000000000003\r\nabc\r\n0\r\n\r\n", 0);
  EXPECT_EQ(d.status, Status::kDone);
  EXPECT_EQ(d.body, "abc");
}

TEST(ChunkedDecoder, BodyLimitCountsAllChunks) {
  EXPECT_EQ(decode("5\r\nabcde\r\n5\r\nfghij\r\n0\r\n\r\n", 0, 10).status, Status::kDone);
  Decoded over = decode("5\r\nabcde\r\n6\r\nfghijk\r\n0\r\n\r\n", 0, 10);
  EXPECT_EQ(over.status, Status::kError);
  EXPECT_EQ(over.error_status, 413);
  EXPECT_EQ(over.body, "abcde");  // refused from the size line, before the data
}

TEST(ChunkedDecoder, ResetStartsOver) {
  ChunkedDecoder decoder(100, 100);
  std::string body;
  EXPECT_EQ(decoder.feed("zz\r\n", body).status, Status::kError);
  decoder.reset();
  EXPECT_EQ(decoder.feed("1\r\nx\r\n0\r\n\r\n", body).status, Status::kDone);
  EXPECT_EQ(body, "x");
}

class BadChunks : public ::testing::TestWithParam<std::pair<std::string, int>> {};

TEST_P(BadChunks, Refused) {
  for (std::size_t piece : {0u, 1u}) {
    Decoded d = decode(GetParam().first, piece, 1 << 20);
    EXPECT_EQ(d.status, Status::kError) << piece;
    EXPECT_EQ(d.error_status, GetParam().second) << piece;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Chunks, BadChunks,
    ::testing::Values(std::make_pair("zz\r\n", 400), std::make_pair("-1\r\n", 400),
                      std::make_pair("a \r\n", 400), std::make_pair("a\t\r\n", 400),
                      std::make_pair("00000000000000001\r\n", 400),
                      std::make_pair("123456789abcdef01\r\n", 400),
                      std::make_pair("ffffffffffffffff\r\n", 413),
                      std::make_pair("3\r\nabcX", 400), std::make_pair("3\r\nabc\rX", 400),
                      std::make_pair("3\nabc\r\n", 400), std::make_pair(";ext\r\n", 400),
                      std::make_pair("3;\x7f\r\nabc\r\n", 400),
                      std::make_pair("0\r\nbad trailer\r\n\r\n", 400)));

}  // namespace
}  // namespace archbench::http
