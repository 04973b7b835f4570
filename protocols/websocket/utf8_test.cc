#include "protocols/websocket/utf8.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace archbench::websocket {
namespace {

constexpr std::size_t kAtEnd = std::string::npos;  // only invalid because it is cut off

struct Utf8Case {
  const char* name;
  std::string bytes;
  // Index of the byte that makes the stream invalid (fail fast), kAtEnd for a truncation,
  // or kValid.
  std::size_t fail_at;
};

// Readable parameter names in failure messages.
void PrintTo(const Utf8Case& c, std::ostream* os) {
  *os << c.name;
}
constexpr std::size_t kValid = kAtEnd - 1;

std::string hex(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

const std::string kKosme = hex({0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5});

std::vector<Utf8Case> cases() {
  return {
      // valid
      {"empty", "", kValid},
      {"ascii", "Hello, World!", kValid},
      {"kosme", kKosme, kValid},
      {"autobahn_mixed", "Hello-\xC2\xB5@\xC3\x9F\xC3\xB6\xC3\xA4\xC3\xBC\xC3\xA0\xC3\xA1-UTF-8!!",
       kValid},
      {"u0080", hex({0xC2, 0x80}), kValid},
      {"u07ff", hex({0xDF, 0xBF}), kValid},
      {"u0800", hex({0xE0, 0xA0, 0x80}), kValid},
      {"ud7ff", hex({0xED, 0x9F, 0xBF}), kValid},
      {"ue000", hex({0xEE, 0x80, 0x80}), kValid},
      {"ufffd", hex({0xEF, 0xBF, 0xBD}), kValid},
      {"uffff", hex({0xEF, 0xBF, 0xBF}), kValid},
      {"u10000", hex({0xF0, 0x90, 0x80, 0x80}), kValid},
      {"u10ffff", hex({0xF4, 0x8F, 0xBF, 0xBF}), kValid},
      {"ascii_run_then_multibyte", std::string(21, 'x') + kKosme + std::string(17, 'y'), kValid},
      // stray continuation bytes and impossible bytes
      {"lone_80", hex({0x80}), 0},
      {"lone_bf", hex({0xBF}), 0},
      {"ascii_then_80", std::string(16, 'a') + hex({0x80}), 16},
      {"nine_ascii_then_c0", std::string(9, 'a') + hex({0xC0, 0x80}), 9},
      {"byte_fe", hex({0xFE}), 0},
      {"byte_ff", hex({0xFF}), 0},
      {"five_byte_form", hex({0xF8, 0x88, 0x80, 0x80, 0x80}), 0},
      {"six_byte_form", hex({0xFC, 0x84, 0x80, 0x80, 0x80, 0x80}), 0},
      // overlong forms
      {"overlong2_nul", hex({0xC0, 0x80}), 0},
      {"overlong2_slash", hex({0xC0, 0xAF}), 0},
      {"overlong2_max", hex({0xC1, 0xBF}), 0},
      {"overlong3_nul", hex({0xE0, 0x80, 0x80}), 1},
      {"overlong3_max", hex({0xE0, 0x9F, 0xBF}), 1},
      {"overlong4_nul", hex({0xF0, 0x80, 0x80, 0x80}), 1},
      {"overlong4_max", hex({0xF0, 0x8F, 0xBF, 0xBF}), 1},
      // surrogates U+D800..DFFF
      {"surrogate_d800", hex({0xED, 0xA0, 0x80}), 1},
      {"surrogate_db7f", hex({0xED, 0xAD, 0xBF}), 1},
      {"surrogate_db80", hex({0xED, 0xAE, 0x80}), 1},
      {"surrogate_dc00", hex({0xED, 0xB0, 0x80}), 1},
      {"surrogate_dfff", hex({0xED, 0xBF, 0xBF}), 1},
      {"surrogate_pair", hex({0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80}), 1},
      {"kosme_surrogate_edited", kKosme + hex({0xED, 0xA0, 0x80}) + "edited", 12},
      // above U+10FFFF
      {"u110000", hex({0xF4, 0x90, 0x80, 0x80}), 1},
      {"u13ffff", hex({0xF4, 0xBF, 0xBF, 0xBF}), 1},
      {"lead_f5", hex({0xF5, 0x80, 0x80, 0x80}), 0},
      {"lead_f7", hex({0xF7, 0xBF, 0xBF, 0xBF}), 0},
      // truncated at the end
      {"truncated2", hex({0xC2}), kAtEnd},
      {"truncated3_of_3", hex({0xE0, 0xA0}), kAtEnd},
      {"truncated3_of_1", hex({0xE2}), kAtEnd},
      {"truncated4_of_3", hex({0xF0, 0x90, 0x80}), kAtEnd},
      {"ascii_then_truncated", "abc" + hex({0xE2, 0x82}), kAtEnd},
      {"kosme_truncated", kKosme + hex({0xF4, 0x8F, 0xBF}), kAtEnd},
      // invalid continuation
      {"c2_then_ascii", hex({0xC2, 0x41}), 1},
      {"e2_then_ascii", hex({0xE2, 0x28, 0xA1}), 1},
      {"e2_82_then_ascii", hex({0xE2, 0x82, 0x28}), 2},
      {"f0_90_then_ascii", hex({0xF0, 0x90, 0x28, 0xBC}), 2},
      {"f0_then_ascii", hex({0xF0, 0x28, 0x8C, 0x28}), 1},
      {"lead_then_lead", hex({0xE2, 0xC2, 0x80}), 1},
  };
}

class Utf8VectorTest : public ::testing::TestWithParam<Utf8Case> {};

TEST_P(Utf8VectorTest, Whole) {
  const Utf8Case& c = GetParam();
  Utf8Validator v;
  const bool fed = v.feed(c.bytes);
  EXPECT_EQ(fed, c.fail_at == kValid || c.fail_at == kAtEnd);
  EXPECT_EQ(v.complete(), c.fail_at == kValid);
  EXPECT_EQ(is_valid_utf8(c.bytes), c.fail_at == kValid);
}

TEST_P(Utf8VectorTest, ByteByByteFailsAtTheOffendingByte) {
  const Utf8Case& c = GetParam();
  Utf8Validator v;
  for (std::size_t i = 0; i < c.bytes.size(); ++i) {
    const bool ok = v.feed(c.bytes.substr(i, 1));
    if (c.fail_at != kValid && c.fail_at != kAtEnd && i >= c.fail_at) {
      EXPECT_FALSE(ok) << "byte " << i;
    } else {
      EXPECT_TRUE(ok) << "byte " << i;
    }
  }
  EXPECT_EQ(v.complete(), c.fail_at == kValid);
}

TEST_P(Utf8VectorTest, EverySplitGivesTheSameAnswer) {
  const Utf8Case& c = GetParam();
  for (std::size_t split = 0; split <= c.bytes.size(); ++split) {
    Utf8Validator v;
    const bool first = v.feed(c.bytes.substr(0, split));
    const bool second = v.feed(c.bytes.substr(split));
    const bool fails_in_first = c.fail_at != kValid && c.fail_at != kAtEnd && c.fail_at < split;
    EXPECT_EQ(first, !fails_in_first) << "split " << split;
    EXPECT_EQ(second, c.fail_at == kValid || c.fail_at == kAtEnd) << "split " << split;
    EXPECT_EQ(v.complete(), c.fail_at == kValid) << "split " << split;
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, Utf8VectorTest, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Utf8Validator, FailureIsStickyUntilReset) {
  Utf8Validator v;
  EXPECT_FALSE(v.feed("\xC0"));
  EXPECT_TRUE(v.failed());
  EXPECT_FALSE(v.feed("abc"));
  v.reset();
  EXPECT_TRUE(v.feed("abc"));
  EXPECT_TRUE(v.complete());
}

TEST(Utf8Validator, ResetDropsAHalfReadCodePoint) {
  Utf8Validator v;
  EXPECT_TRUE(v.feed("\xE2\x82"));
  EXPECT_FALSE(v.complete());
  v.reset();
  EXPECT_TRUE(v.complete());
}

// A straightforward decoder (assemble the code point, then check its range) as the reference
// for exhaustive comparison.
bool reference_valid(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    int len;
    std::uint32_t cp;
    if (b < 0x80) { len = 1; cp = b; }
    else if ((b & 0xE0) == 0xC0) { len = 2; cp = b & 0x1F; }
    else if ((b & 0xF0) == 0xE0) { len = 3; cp = b & 0x0F; }
    else if ((b & 0xF8) == 0xF0) { len = 4; cp = b & 0x07; }
    else return false;
    if (i + len > s.size()) return false;
    for (int k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

TEST(Utf8Validator, AgreesWithReferenceOnAllTwoByteStrings) {
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const std::string s = hex({a, b});
      ASSERT_EQ(is_valid_utf8(s), reference_valid(s)) << a << " " << b;
    }
  }
}

TEST(Utf8Validator, AgreesWithReferenceOnAllThreeByteLeads) {
  for (int a = 0xC0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      for (int c = 0; c < 256; c += (c >= 0x70 && c < 0xC0) ? 1 : 16) {
        const std::string s = hex({a, b, c});
        ASSERT_EQ(is_valid_utf8(s), reference_valid(s)) << a << " " << b << " " << c;
      }
    }
  }
}

TEST(Utf8Validator, AgreesWithReferenceOnFourByteForms) {
  for (int a = 0xF0; a < 0xF8; ++a) {
    for (int b = 0; b < 256; ++b) {
      for (int c : {0x00, 0x7F, 0x80, 0x9F, 0xA0, 0xBF, 0xC0}) {
        for (int d : {0x41, 0x80, 0xBF, 0xC0}) {
          const std::string s = hex({a, b, c, d});
          ASSERT_EQ(is_valid_utf8(s), reference_valid(s)) << a << " " << b << " " << c;
        }
      }
    }
  }
}

}  // namespace
}  // namespace archbench::websocket
