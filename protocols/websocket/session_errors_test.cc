// WebSocketSession failing the connection: every protocol error gets one Close frame with the
// right code, out.close and a log line; a valid message before it in the same read is still
// echoed; nothing after it is answered. Invalid UTF-8 fails fast, also across fragments.
#include <gtest/gtest.h>

#include "protocols/websocket/close_codes.h"
#include "protocols/websocket/test_peer.h"
#include "protocols/websocket/websocket_session.h"

namespace archbench::websocket {
namespace {

using namespace testing;  // NOLINT: the test peer's vocabulary

std::string bytes(std::initializer_list<int> list) {
  std::string s;
  for (int b : list) s.push_back(static_cast<char>(b));
  return s;
}

struct BadCase {
  std::string name;
  std::string wire;
  std::uint16_t code;
};

// Readable parameter names in failure messages.
void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.name;
}

std::vector<BadCase> bad_cases() {
  std::vector<BadCase> out = {
      {"rsv1", raw_frame(0xC1, "x"), 1002},
      {"rsv2", raw_frame(0xA2, "x"), 1002},
      {"rsv3", raw_frame(0x91, "x"), 1002},
      {"rsv_on_close", raw_frame(0x98, ""), 1002},
      {"unmasked_text", encode_frame(Opcode::kText, "hello"), 1002},
      {"unmasked_binary", encode_frame(Opcode::kBinary, "hello"), 1002},
      {"unmasked_ping", encode_frame(Opcode::kPing, "hello"), 1002},
      {"ping_126", client_frame(Opcode::kPing, std::string(126, 'p')), 1002},
      {"close_126", client_frame(Opcode::kClose, close_payload(1000) + std::string(124, 'r')), 1002},
      {"fragmented_ping", client_frame(Opcode::kPing, "a", false) +
                              client_frame(Opcode::kContinuation, "b"), 1002},
      {"fragmented_close", client_frame(Opcode::kClose, "", false), 1002},
      {"continuation_without_message", client_frame(Opcode::kContinuation, "x"), 1002},
      {"text_inside_fragmented_text",
       client_frame(Opcode::kText, "a", false) + client_frame(Opcode::kText, "b"), 1002},
      {"binary_inside_fragmented_text",
       client_frame(Opcode::kText, "a", false) + client_frame(Opcode::kBinary, "b"), 1002},
      {"text_inside_fragmented_binary",
       client_frame(Opcode::kBinary, "a", false) + client_frame(Opcode::kText, "b"), 1002},
      {"length64_msb", bytes({0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}), 1002},
      {"invalid_utf8_text", client_frame(Opcode::kText, "\xC0\xAF"), 1007},
      {"truncated_utf8_text", client_frame(Opcode::kText, "abc\xE2\x82"), 1007},
      {"truncated_utf8_across_fragments",
       client_frame(Opcode::kText, "abc", false) + client_frame(Opcode::kContinuation, "\xF0\x90", true),
       1007},
  };
  for (int op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    out.push_back({"opcode_" + std::to_string(op), raw_frame(static_cast<std::uint8_t>(0x80 | op), "x"),
                   1002});
  }
  return out;
}

class BadFrameTest : public ::testing::TestWithParam<std::tuple<BadCase, std::size_t>> {};

// "valid message, bad frame, valid message" in one stream: the first echoed, then exactly one
// Close with the code, then nothing.
TEST_P(BadFrameTest, FailsTheConnection) {
  const auto& [c, piece] = GetParam();
  WebSocketSession s(test_config(), false);
  const std::string wire = client_frame(Opcode::kText, "before") + c.wire +
                           client_frame(Opcode::kText, "after") + client_frame(Opcode::kPing, "p");
  const Collected got = feed(s, wire, piece);
  const auto frames = server_frames(got.bytes);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].opcode, Opcode::kText);
  EXPECT_EQ(frames[0].payload, "before");
  EXPECT_EQ(frames[1].opcode, Opcode::kClose);
  EXPECT_EQ(close_code(frames[1]), c.code);
  EXPECT_TRUE(got.close);
  EXPECT_NE(got.log.find(std::to_string(c.code)), std::string::npos) << got.log;
}

INSTANTIATE_TEST_SUITE_P(Protocol, BadFrameTest,
                         ::testing::Combine(::testing::ValuesIn(bad_cases()),
                                            ::testing::Values(0, 1, 4)),
                         [](const auto& info) {
                           return std::get<0>(info.param).name + "_piece" +
                                  std::to_string(std::get<1>(info.param));
                         });

// --- UTF-8, fail fast ---

struct Utf8Case {
  std::string name;
  std::string text;
  std::size_t bad_at;  // index of the byte that makes it invalid (text.size() for truncation)
};

// Readable parameter names in failure messages.
void PrintTo(const Utf8Case& c, std::ostream* os) {
  *os << c.name;
}

std::vector<Utf8Case> invalid_utf8() {
  const std::string kosme = "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5";
  return {
      {"overlong2", "ab\xC0\xAF" "cd", 2},
      {"overlong2_c1", "ab\xC1\xBF" "cd", 2},
      {"overlong3", "ab\xE0\x80\xAF" "cd", 3},
      {"overlong4", "ab\xF0\x80\x80\xAF" "cd", 3},
      {"surrogate_high", "ab\xED\xA0\x80" "cd", 3},
      {"surrogate_low", "ab\xED\xBF\xBF" "cd", 3},
      {"above_10ffff", "ab\xF4\x90\x80\x80" "cd", 3},
      {"lead_f5", "ab\xF5\x80\x80\x80" "cd", 2},
      {"lead_ff", "ab\xFF" "cd", 2},
      {"lone_continuation", "ab\x80" "cd", 2},
      {"bad_continuation", "ab\xE2\x82\x28" "cd", 4},
      {"kosme_edited", kosme + "\xED\xA0\x80" "edited", 12},
      {"truncated_2", "abcd\xC2", 5},
      {"truncated_4", "abcd\xF0\x9F\x98", 7},
  };
}

class InvalidUtf8Test : public ::testing::TestWithParam<std::tuple<Utf8Case, std::size_t>> {};

// The message in fragments of `fragment` bytes, each fragment delivered in its own read:
// the 1007 must come in the read that carries the fragment that makes the text invalid.
TEST_P(InvalidUtf8Test, FailsInTheReadThatMakesItInvalid) {
  const auto& [c, fragment] = GetParam();
  WebSocketSession s(test_config(), false);
  const std::size_t n = c.text.size();
  bool failed = false;
  for (std::size_t pos = 0; pos < n && !failed; pos += fragment) {
    const bool last = pos + fragment >= n;
    const std::string frame =
        client_frame(pos == 0 ? Opcode::kText : Opcode::kContinuation, c.text.substr(pos, fragment), last);
    SessionOutput out;
    s.on_bytes(frame, Now{}, out);
    const bool carries_bad_byte = c.bad_at < n ? (c.bad_at < pos + fragment) : last;
    if (carries_bad_byte) {
      const auto frames = server_frames(out.bytes);
      ASSERT_EQ(frames.size(), 1u) << "fragment at " << pos;
      EXPECT_EQ(close_code(frames[0]), kCloseInvalidPayload);
      EXPECT_TRUE(out.close);
      failed = true;
    } else {
      EXPECT_EQ(out.bytes, "") << "fragment at " << pos;
      EXPECT_FALSE(out.close);
    }
  }
  EXPECT_TRUE(failed);
}

// One frame delivered in chops: the 1007 comes as soon as the offending byte arrives, before
// the frame is complete.
TEST_P(InvalidUtf8Test, FailsInsideAFrameDeliveredInChops) {
  const auto& [c, chop] = GetParam();
  WebSocketSession s(test_config(), false);
  const std::string wire = client_frame(Opcode::kText, c.text);
  const std::size_t header = wire.size() - c.text.size();
  bool failed = false;
  for (std::size_t pos = 0; pos < wire.size() && !failed; pos += chop) {
    SessionOutput out;
    s.on_bytes(std::string_view(wire).substr(pos, chop), Now{}, out);
    const bool complete = pos + chop >= wire.size();
    const bool bad_arrived = c.bad_at < c.text.size() && header + c.bad_at < pos + chop;
    if (bad_arrived || complete) {
      const auto frames = server_frames(out.bytes);
      ASSERT_EQ(frames.size(), 1u) << "chop at " << pos;
      EXPECT_EQ(close_code(frames[0]), kCloseInvalidPayload);
      failed = true;
    } else {
      EXPECT_EQ(out.bytes, "") << "chop at " << pos;
    }
  }
  EXPECT_TRUE(failed);
}

INSTANTIATE_TEST_SUITE_P(Vectors, InvalidUtf8Test,
                         ::testing::Combine(::testing::ValuesIn(invalid_utf8()),
                                            ::testing::Values(1, 2, 3, 100)),
                         [](const auto& info) {
                           return std::get<0>(info.param).name + "_by" +
                                  std::to_string(std::get<1>(info.param));
                         });

TEST(Utf8, ValidTextByteByByteFragmentsIsEchoed) {
  const std::string text = "Hello-\xC2\xB5@\xC3\x9F\xC3\xB6\xC3\xA4\xC3\xBC\xC3\xA0\xC3\xA1-UTF-8!! "
                           "\xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF \xEF\xBF\xBF";
  WebSocketSession s(test_config(), false);
  EXPECT_EQ(feed(s, fragmented(Opcode::kText, text, 1)).bytes, encode_frame(Opcode::kText, text));
}

TEST(Utf8, BinaryIsNeverValidated) {
  WebSocketSession s(test_config(), false);
  const std::string junk = "\xC0\xAF\xED\xA0\x80\xFF";
  EXPECT_EQ(feed(s, fragmented(Opcode::kBinary, junk, 2)).bytes,
            encode_frame(Opcode::kBinary, junk));
}

TEST(Utf8, ValidatorIsResetBetweenMessages) {
  // A message ending exactly on a code point boundary, then a new one starting with a lead byte.
  WebSocketSession s(test_config(), false);
  const std::string a = "\xCE\xBA", b = "\xE1\xBD\xB9";
  EXPECT_EQ(feed(s, client_frame(Opcode::kText, a) + fragmented(Opcode::kText, b, 1)).bytes,
            encode_frame(Opcode::kText, a) + encode_frame(Opcode::kText, b));
}

TEST(Utf8, PingBetweenTextFragmentsDoesNotDisturbValidation) {
  WebSocketSession s(test_config(), false);
  const std::string wire = client_frame(Opcode::kText, "\xE1", false) +
                           client_frame(Opcode::kPing, "\xFF\xFE") +
                           client_frame(Opcode::kContinuation, "\xBD\xB9", true);
  EXPECT_EQ(feed(s, wire).bytes,
            encode_frame(Opcode::kPong, "\xFF\xFE") + encode_frame(Opcode::kText, "\xE1\xBD\xB9"));
}

}  // namespace
}  // namespace archbench::websocket
