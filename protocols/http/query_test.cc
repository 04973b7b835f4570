#include "protocols/http/query.h"

#include <gtest/gtest.h>

namespace archbench::http {
namespace {

TEST(PercentDecode, DecodesEscapesAndPlus) {
  EXPECT_EQ(percent_decode("a%20b+c", true), "a b c");
  EXPECT_EQ(percent_decode("a%20b+c", false), "a b+c");
  EXPECT_EQ(percent_decode("%41%7a", false), "Az");
  EXPECT_EQ(percent_decode("", false), "");
}

TEST(PercentDecode, RejectsMalformedEscapes) {
  EXPECT_FALSE(percent_decode("%", false));
  EXPECT_FALSE(percent_decode("%4", false));
  EXPECT_FALSE(percent_decode("abc%G1", false));
  EXPECT_FALSE(percent_decode("%%", false));
}

TEST(ParseQuery, SplitsNamesAndValues) {
  NameValues q = parse_query("a=1&b=x%20y&flag&&c=");
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"a", "1"}));
  EXPECT_EQ(q[1], (std::pair<std::string, std::string>{"b", "x y"}));
  EXPECT_EQ(q[2], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(q[3], (std::pair<std::string, std::string>{"c", ""}));
  ASSERT_NE(find_value(q, "b"), nullptr);
  EXPECT_EQ(*find_value(q, "b"), "x y");
  EXPECT_EQ(find_value(q, "zz"), nullptr);
}

TEST(ParseQuery, KeepsMalformedEscapesRaw) {
  NameValues q = parse_query("x=%zz");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].second, "%zz");
}

TEST(ParseCookies, SplitsPairsAndStripsQuotes) {
  NameValues c = parse_cookies("a=1; b=\"two\";c=3 ; junk; =nameless");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0], (std::pair<std::string, std::string>{"a", "1"}));
  EXPECT_EQ(c[1], (std::pair<std::string, std::string>{"b", "two"}));
  EXPECT_EQ(c[2], (std::pair<std::string, std::string>{"c", "3"}));
}

}  // namespace
}  // namespace archbench::http
