#include "protocols/http/header_section.h"

#include <gtest/gtest.h>

#include <string>

namespace archbench::http {
namespace {

using Status = HeaderSectionReader::Status;

TEST(HeaderSectionReader, FindsTheEndInOnePiece) {
  HeaderSectionReader reader(8192);
  std::string text = "GET / HTTP/1.1\r\nHost: h\r\n\r\nNEXT";
  auto r = reader.feed(text);
  EXPECT_EQ(r.status, Status::kComplete);
  EXPECT_EQ(r.consumed, text.size() - 4);
  EXPECT_EQ(reader.section(), text.substr(0, text.size() - 4));
  // Fast path: the section points into the caller's bytes, no copy.
  EXPECT_EQ(reader.section().data(), text.data());
}

TEST(HeaderSectionReader, FindsTheEndAcrossEverySplit) {
  std::string text = "GET / HTTP/1.1\r\nHost: h\r\n\r\nBODY";
  std::string section = text.substr(0, text.size() - 4);
  for (std::size_t cut = 1; cut < section.size(); ++cut) {
    HeaderSectionReader reader(8192);
    auto first = reader.feed(std::string_view(text).substr(0, cut));
    ASSERT_EQ(first.status, Status::kNeedMore) << cut;
    ASSERT_EQ(first.consumed, cut);
    auto second = reader.feed(std::string_view(text).substr(cut));
    ASSERT_EQ(second.status, Status::kComplete) << cut;
    EXPECT_EQ(second.consumed, section.size() - cut);
    EXPECT_EQ(reader.section(), section);
  }
}

TEST(HeaderSectionReader, OneByteAtATime) {
  std::string text = "GET / HTTP/1.1\r\nA: b\r\n\r\n";
  HeaderSectionReader reader(8192);
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    ASSERT_EQ(reader.feed(text.substr(i, 1)).status, Status::kNeedMore) << i;
  }
  auto last = reader.feed(text.substr(text.size() - 1));
  EXPECT_EQ(last.status, Status::kComplete);
  EXPECT_EQ(reader.section(), text);
}

TEST(HeaderSectionReader, TooLargeWithAndWithoutBuffering) {
  std::string big(100, 'x');
  HeaderSectionReader whole(64);
  EXPECT_EQ(whole.feed(big).status, Status::kTooLarge);
  HeaderSectionReader pieces(64);
  EXPECT_EQ(pieces.feed(big.substr(0, 40)).status, Status::kNeedMore);
  EXPECT_EQ(pieces.feed(big.substr(40)).status, Status::kTooLarge);
  EXPECT_EQ(pieces.buffered().size(), 64u);  // never more than the limit is copied
}

TEST(HeaderSectionReader, SectionEndingExactlyAtTheLimitFits) {
  std::string text = "GET / HTTP/1.1\r\n\r\n";
  HeaderSectionReader reader(text.size());
  EXPECT_EQ(reader.feed(text).status, Status::kComplete);
  HeaderSectionReader smaller(text.size() - 1);
  EXPECT_EQ(smaller.feed(text).status, Status::kTooLarge);
}

TEST(HeaderSectionReader, ResetForgetsTheBufferedPart) {
  HeaderSectionReader reader(8192);
  reader.feed("GET / HT");
  reader.reset();
  auto r = reader.feed("GET /b HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.status, Status::kComplete);
  EXPECT_EQ(reader.section(), "GET /b HTTP/1.1\r\n\r\n");
}

TEST(ValidateSectionBytes, AcceptsNormalSectionsOfEveryLength) {
  // Lengths around the 16-byte blocks of the vector loop, CRLF at every alignment.
  for (std::size_t pad = 0; pad < 40; ++pad) {
    std::string text = "GET / HTTP/1.1\r\nX: " + std::string(pad, 'v') + "\t\xff\r\n\r\n";
    ParseError error;
    EXPECT_TRUE(validate_section_bytes(text, error)) << pad << " " << error.reason;
  }
}

TEST(ValidateSectionBytes, RefusesBareCrLfAndControlsAtEveryPosition) {
  for (char bad : {'\r', '\n', '\0', '\x01', '\x1f', '\x7f'}) {
    for (std::size_t at = 0; at < 40; ++at) {
      std::string text = "GET / HTTP/1.1\r\nX: " + std::string(40, 'v') + "\r\n\r\n";
      text[19 + at] = bad;
      ParseError error;
      EXPECT_FALSE(validate_section_bytes(text, error)) << int(bad) << " at " << at;
      EXPECT_EQ(error.status, 400);
    }
  }
}

TEST(ValidateSectionBytes, CrLfSplitAcrossBlocksIsFine) {
  for (std::size_t prefix = 0; prefix < 34; ++prefix) {
    std::string text = std::string(prefix, 'a') + "\r\n" + std::string(20, 'b') + "\r\n\r\n";
    ParseError error;
    EXPECT_TRUE(validate_section_bytes(text, error)) << prefix;
  }
}

TEST(SplitFieldLine, NameAndTrimmedValue) {
  std::string_view name, value;
  ParseError error;
  ASSERT_TRUE(split_field_line("Content-Type: \t text/plain \t", name, value, error));
  EXPECT_EQ(name, "Content-Type");
  EXPECT_EQ(value, "text/plain");
  ASSERT_TRUE(split_field_line("X-Empty:", name, value, error));
  EXPECT_EQ(value, "");
}

TEST(SplitFieldLine, Refusals) {
  std::string_view name, value;
  for (std::string_view line : {" X: a", "\tX: a", "X : a", "X", ": a", "X(: a", ""}) {
    ParseError error;
    EXPECT_FALSE(split_field_line(line, name, value, error)) << line;
    EXPECT_EQ(error.status, 400);
  }
}

TEST(TrimOws, RemovesSpacesAndTabsOnly) {
  EXPECT_EQ(trim_ows(" \t a b \t"), "a b");
  EXPECT_EQ(trim_ows("   "), "");
  EXPECT_EQ(trim_ows("x\r"), "x\r");
}

}  // namespace
}  // namespace archbench::http

namespace archbench::http {
namespace {

TEST(ValidateSectionBytes, BadByteAtEveryPositionForEveryLength) {
  // Covers sections shorter than one block, whole blocks and overlapping tail blocks.
  for (std::size_t pad = 0; pad < 50; ++pad) {
    std::string good = "G / HTTP/1.1\r\nX: " + std::string(pad, 'v') + "\r\n\r\n";
    ParseError error;
    ASSERT_TRUE(validate_section_bytes(good, error)) << pad;
    for (std::size_t at = 17; at < 17 + pad; ++at) {
      for (char bad : {'\r', '\x01', '\x7f'}) {
        std::string text = good;
        text[at] = bad;
        EXPECT_FALSE(validate_section_bytes(text, error)) << pad << " " << at << " " << int(bad);
      }
    }
  }
}

TEST(HeaderSectionReader, BytesAfterTheSectionAreNotItsBusiness) {
  for (std::size_t pad = 0; pad < 40; ++pad) {
    std::string section = "GET / HTTP/1.1\r\nA: " + std::string(pad, 'a') + "\r\n\r\n";
    std::string text = section + std::string("\x01\r\x7f\n\0", 5);
    HeaderSectionReader reader(8192);
    auto r = reader.feed(text);
    ASSERT_EQ(r.status, HeaderSectionReader::Status::kComplete) << pad;
    EXPECT_EQ(r.consumed, section.size());
    EXPECT_TRUE(reader.valid()) << pad;
    ASSERT_EQ(reader.line_count(), 3u);
    EXPECT_EQ(reader.line(0), "GET / HTTP/1.1");
    EXPECT_EQ(reader.line(1), "A: " + std::string(pad, 'a'));
    EXPECT_EQ(reader.line(2), "");
  }
}

TEST(HeaderSectionReader, FastAndSlowPathAgreeOnLines) {
  std::string text = "GET / HTTP/1.1\r\nHost: h\r\nX-Long: " + std::string(70, 'x') + "\r\n\r\n";
  HeaderSectionReader fast(8192);
  ASSERT_EQ(fast.feed(text).status, HeaderSectionReader::Status::kComplete);
  for (std::size_t cut = 1; cut < text.size(); ++cut) {
    HeaderSectionReader slow(8192);
    slow.feed(text.substr(0, cut));
    ASSERT_EQ(slow.feed(text.substr(cut)).status, HeaderSectionReader::Status::kComplete);
    ASSERT_EQ(slow.line_count(), fast.line_count());
    for (std::size_t k = 0; k < fast.line_count(); ++k) EXPECT_EQ(slow.line(k), fast.line(k));
    EXPECT_TRUE(slow.valid());
  }
}

}  // namespace
}  // namespace archbench::http
