#include "servers/core/escape_sequences.h"

#include <gtest/gtest.h>

namespace archbench {
namespace {

TEST(EscapeSequencesTest, DecodesTheKnownEscapes) {
  std::string error;
  EXPECT_EQ(decode_escapes("\\r\\n", &error), std::string("\r\n"));
  EXPECT_EQ(decode_escapes("a\\tb\\\\c", &error), std::string("a\tb\\c"));
  EXPECT_EQ(decode_escapes("\\0", &error), std::string(1, '\0'));
  EXPECT_EQ(decode_escapes("\\x41\\xfF", &error), std::string("A\xff"));
  EXPECT_EQ(decode_escapes("plain", &error), std::string("plain"));
  EXPECT_EQ(decode_escapes("", &error), std::string());
}

TEST(EscapeSequencesTest, RejectsWhatItDoesNotKnow) {
  std::string error;
  EXPECT_FALSE(decode_escapes("\\q", &error).has_value());
  EXPECT_NE(error.find("unknown escape \\q"), std::string::npos) << error;
  EXPECT_FALSE(decode_escapes("ab\\", &error).has_value());
  EXPECT_NE(error.find("dangling backslash"), std::string::npos) << error;
  EXPECT_FALSE(decode_escapes("\\x4", &error).has_value());
  EXPECT_NE(error.find("two hex digits"), std::string::npos) << error;
  EXPECT_FALSE(decode_escapes("\\xg0", &error).has_value());
}

}  // namespace
}  // namespace archbench
