#include "protocols/framing/printable_bytes.h"

#include <gtest/gtest.h>

#include <string>

namespace archbench::framing {
namespace {

TEST(PrintableBytesTest, EscapesControlBytesQuotesAndBackslashes) {
  EXPECT_EQ(printable_bytes(std::string("a\r\n\t\\\"\0\x7f\xff", 9)),
            "a\\r\\n\\t\\\\\\\"\\x00\\x7f\\xff");
  EXPECT_EQ(printable_bytes("GET "), "GET ");
}

TEST(PrintableBytesTest, TruncatesWithEllipsis) {
  EXPECT_EQ(printable_bytes("abcdef", 3), "abc...");
  EXPECT_EQ(printable_bytes("abc", 3), "abc");
}

TEST(PrintableBytesTest, HexBytesSeparatedBySpaces) {
  EXPECT_EQ(hex_bytes("GET "), "47 45 54 20");
  EXPECT_EQ(hex_bytes(std::string("\x7f\xff\x00", 3)), "7f ff 00");
  EXPECT_EQ(hex_bytes(""), "");
}

}  // namespace
}  // namespace archbench::framing
