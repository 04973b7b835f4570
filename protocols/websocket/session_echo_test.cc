// WebSocketSession echoing: every length encoding × text/binary, fed whole, in pieces and
// split at many positions; fragmented messages (down to 1-byte fragments); the size limit.
#include <gtest/gtest.h>

#include <set>

#include "protocols/websocket/close_codes.h"
#include "protocols/websocket/test_peer.h"
#include "protocols/websocket/websocket_session.h"

namespace archbench::websocket {
namespace {

using namespace testing;  // NOLINT: the test peer's vocabulary

const std::size_t kSizes[] = {0, 125, 126, 127, 128, 65535, 65536};

// How the client's bytes reach the session: in pieces of `piece` bytes, or in two pieces
// split at `split` (when piece == 0 and split != 0).
struct Delivery {
  std::size_t piece = 0;
  std::size_t split = 0;
  std::string name() const {
    return split != 0 ? "split" + std::to_string(split) : "piece" + std::to_string(piece);
  }
};

struct EchoCase {
  Opcode opcode;
  std::size_t size;
  Delivery delivery;
};

// Readable parameter names in failure messages.
void PrintTo(const EchoCase& c, std::ostream* os) {
  *os << static_cast<int>(c.opcode) << "/" << c.size << "/" << c.delivery.name();
}

Collected deliver(Session& s, const std::string& wire, const Delivery& d) {
  if (d.split != 0) {
    const std::size_t at = std::min(d.split, wire.size());
    return feed_pieces(s, {std::string_view(wire).substr(0, at), std::string_view(wire).substr(at)});
  }
  return feed(s, wire, d.piece);
}

class EchoTest : public ::testing::TestWithParam<EchoCase> {};

TEST_P(EchoTest, EchoedWithTheSameOpcodeThenCleanClose) {
  const EchoCase& c = GetParam();
  WebSocketSession s(test_config(), false);
  const std::string payload = payload_of(c.opcode, c.size);
  const std::string wire = client_frame(c.opcode, payload) +
                           client_frame(Opcode::kClose, close_payload(kCloseNormal));
  const Collected got = deliver(s, wire, c.delivery);
  EXPECT_EQ(got.bytes, encode_frame(c.opcode, payload) +
                           encode_frame(Opcode::kClose, close_payload(kCloseNormal)));
  EXPECT_TRUE(got.close);
  EXPECT_EQ(got.log, "");
}

std::vector<EchoCase> echo_cases() {
  std::vector<EchoCase> out;
  for (Opcode op : {Opcode::kText, Opcode::kBinary}) {
    for (std::size_t size : kSizes) {
      for (std::size_t piece : {0, 1, 2, 3, 7, 13, 100, 1024, 4096}) {
        out.push_back({op, size, {piece, 0}});
      }
      // Splits inside the 2-byte base header, the extended length, the key, the payload, and
      // the middle and very end of the data frame.
      std::set<std::size_t> splits = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 64};
      splits.insert(size / 2 + 7);
      splits.insert(client_frame(op, payload_of(op, size)).size());
      for (std::size_t split : splits) out.push_back({op, size, {0, split}});
    }
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Framing, EchoTest, ::testing::ValuesIn(echo_cases()),
                         [](const auto& info) {
                           const EchoCase& c = info.param;
                           return std::string(c.opcode == Opcode::kText ? "text" : "binary") +
                                  std::to_string(c.size) + "_" + c.delivery.name();
                         });

TEST(Echo, ManyMessagesInOneRead) {
  WebSocketSession s(test_config(), false);
  std::string in, want;
  for (int i = 0; i < 50; ++i) {
    const Opcode op = i % 2 ? Opcode::kBinary : Opcode::kText;
    in += client_frame(op, "message " + std::to_string(i));
    want += encode_frame(op, "message " + std::to_string(i));
  }
  const Collected c = feed(s, in);
  EXPECT_EQ(c.bytes, want);
  EXPECT_FALSE(c.close);
}

// --- fragmentation ---

struct FragmentCase {
  Opcode opcode;
  std::size_t size;
  std::size_t fragment;  // payload bytes per fragment
  std::size_t piece;     // TCP piece size (0 = whole)
};

// Readable parameter names in failure messages.
void PrintTo(const FragmentCase& c, std::ostream* os) {
  *os << static_cast<int>(c.opcode) << "/" << c.size << "/" << c.fragment << "/" << c.piece;
}

class FragmentTest : public ::testing::TestWithParam<FragmentCase> {};

// Multi-byte text, so small fragments cut code points in two (valid across fragments).
std::string kosme_text(std::size_t n) {
  static const std::string kKosme = "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5 ";
  std::string s;
  while (s.size() + kKosme.size() <= n) s += kKosme;
  s.append(n - s.size(), 'z');
  return s;
}

TEST_P(FragmentTest, ReassembledAndEchoedAsOneFrame) {
  const FragmentCase& c = GetParam();
  WebSocketSession s(test_config(), false);
  const std::string payload =
      c.opcode == Opcode::kText ? kosme_text(c.size) : payload_of(c.opcode, c.size);
  const Collected got = feed(s, fragmented(c.opcode, payload, c.fragment), c.piece);
  EXPECT_EQ(got.bytes, encode_frame(c.opcode, payload));
  EXPECT_FALSE(got.close);
  EXPECT_EQ(got.log, "");
}

std::vector<FragmentCase> fragment_cases() {
  std::vector<FragmentCase> out;
  for (Opcode op : {Opcode::kText, Opcode::kBinary}) {
    for (std::size_t size : {1, 2, 125, 126, 1000, 65536}) {
      for (std::size_t fragment : {1, 2, 3, 64, 1000}) {
        if (fragment >= size && size > 2) continue;
        for (std::size_t piece : {0, 1, 5}) {
          if (piece == 1 && size * 7 > 100000) continue;  // keep the byte-wise cases quick
          out.push_back({op, size, fragment, piece});
        }
      }
    }
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Fragments, FragmentTest, ::testing::ValuesIn(fragment_cases()),
                         [](const auto& info) {
                           const FragmentCase& c = info.param;
                           return std::string(c.opcode == Opcode::kText ? "text" : "binary") +
                                  std::to_string(c.size) + "_frag" + std::to_string(c.fragment) +
                                  "_piece" + std::to_string(c.piece);
                         });

TEST(Fragments, EmptyFragmentsAreFine) {
  WebSocketSession s(test_config(), false);
  const std::string wire = client_frame(Opcode::kText, "", false) +
                           client_frame(Opcode::kContinuation, "abc", false) +
                           client_frame(Opcode::kContinuation, "", true);
  EXPECT_EQ(feed(s, wire).bytes, encode_frame(Opcode::kText, "abc"));
}

TEST(Fragments, ConsecutiveFragmentedMessages) {
  WebSocketSession s(test_config(), false);
  const std::string wire = fragmented(Opcode::kText, "first message", 4) +
                           fragmented(Opcode::kBinary, "second", 1) +
                           client_frame(Opcode::kText, "third");
  EXPECT_EQ(feed(s, wire, 3).bytes, encode_frame(Opcode::kText, "first message") +
                                        encode_frame(Opcode::kBinary, "second") +
                                        encode_frame(Opcode::kText, "third"));
}

// --- limits ---

struct LimitCase {
  std::size_t size;
  std::size_t fragment;  // 0 = one frame
  bool fits;
};

// Readable parameter names in failure messages.
void PrintTo(const LimitCase& c, std::ostream* os) {
  *os << c.size << "/" << c.fragment;
}

class LimitTest : public ::testing::TestWithParam<LimitCase> {};

constexpr std::size_t kLimit = 256 * 1024;

TEST_P(LimitTest, EchoedUpToTheLimitAnd1009Beyond) {
  const LimitCase& c = GetParam();
  WebSocketSession s(test_config(kLimit), false);
  const std::string payload = payload_of(Opcode::kBinary, c.size);
  const std::string wire = c.fragment == 0 ? client_frame(Opcode::kBinary, payload)
                                           : fragmented(Opcode::kBinary, payload, c.fragment);
  const Collected got = feed(s, wire, 65536);
  if (c.fits) {
    EXPECT_EQ(got.bytes, encode_frame(Opcode::kBinary, payload));
    EXPECT_FALSE(got.close);
  } else {
    const auto frames = server_frames(got.bytes);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].opcode, Opcode::kClose);
    EXPECT_EQ(close_code(frames[0]), kCloseMessageTooBig);
    EXPECT_TRUE(got.close);
    EXPECT_NE(got.log, "");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Limits, LimitTest,
    ::testing::Values(LimitCase{65536, 0, true}, LimitCase{65536, 64, true},
                      LimitCase{131072, 0, true}, LimitCase{131072, 64, true},
                      LimitCase{kLimit, 0, true}, LimitCase{kLimit, 64, true},
                      LimitCase{kLimit, 4096, true}, LimitCase{kLimit + 1, 0, false},
                      LimitCase{kLimit + 1, 64, false}, LimitCase{kLimit + 1, 4096, false},
                      LimitCase{2 * kLimit, 0, false}));

TEST(Limits, WsMaxMessageOverridesPackageMaxLength) {
  ProtocolConfig config = test_config(1000);
  config.ws_max_message = 10;
  WebSocketSession s(config, false);
  EXPECT_EQ(feed(s, client_frame(Opcode::kText, "0123456789")).bytes,
            encode_frame(Opcode::kText, "0123456789"));
  const auto frames = server_frames(feed(s, client_frame(Opcode::kText, "0123456789A")).bytes);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(close_code(frames[0]), kCloseMessageTooBig);
}

TEST(Limits, OversizeRefusedFromTheHeaderAlone) {
  WebSocketSession s(test_config(kLimit), false);
  const std::string wire = client_frame(Opcode::kBinary, std::string(kLimit + 1, 'x'));
  const Collected got = feed(s, std::string_view(wire).substr(0, 14));  // header only
  ASSERT_TRUE(got.close);
  EXPECT_EQ(close_code(server_frames(got.bytes).at(0)), kCloseMessageTooBig);
}

}  // namespace
}  // namespace archbench::websocket
