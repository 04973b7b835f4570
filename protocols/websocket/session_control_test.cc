// WebSocketSession's control frames: ping/pong, the close handshake (every valid and invalid
// code its own case), data after close, peer TCP close and broadcast.
#include <gtest/gtest.h>

#include "protocols/websocket/close_codes.h"
#include "protocols/websocket/test_peer.h"
#include "protocols/websocket/websocket_session.h"

namespace archbench::websocket {
namespace {

using namespace testing;  // NOLINT: the test peer's vocabulary

class PingTest : public ::testing::TestWithParam<std::size_t> {};

TEST_P(PingTest, PongWithTheSamePayload) {
  WebSocketSession s(test_config(), false);
  const std::string payload = payload_of(Opcode::kBinary, GetParam());
  const Collected whole = feed(s, client_frame(Opcode::kPing, payload));
  EXPECT_EQ(whole.bytes, encode_frame(Opcode::kPong, payload));
  EXPECT_FALSE(whole.close);
  // And one byte at a time.
  const Collected bytewise = feed(s, client_frame(Opcode::kPing, payload), 1);
  EXPECT_EQ(bytewise.bytes, encode_frame(Opcode::kPong, payload));
}

INSTANTIATE_TEST_SUITE_P(Sizes, PingTest, ::testing::Values(0, 1, 2, 10, 64, 124, 125));

TEST(Ping, TenInARowGetTenPongsInOrder) {
  WebSocketSession s(test_config(), false);
  std::string in, want;
  for (int i = 0; i < 10; ++i) {
    in += client_frame(Opcode::kPing, "ping " + std::to_string(i));
    want += encode_frame(Opcode::kPong, "ping " + std::to_string(i));
  }
  EXPECT_EQ(feed(s, in).bytes, want);
}

TEST(Ping, UnsolicitedPongIsIgnored) {
  WebSocketSession s(test_config(), false);
  const Collected c = feed(s, client_frame(Opcode::kPong, "unasked") + client_frame(Opcode::kPong, ""));
  EXPECT_EQ(c.bytes, "");
  EXPECT_FALSE(c.close);
  EXPECT_EQ(feed(s, client_frame(Opcode::kText, "still here")).bytes,
            encode_frame(Opcode::kText, "still here"));
}

TEST(Ping, AnsweredBetweenFragmentsBeforeTheMessageCompletes) {
  WebSocketSession s(test_config(), false);
  SessionOutput out;
  s.on_bytes(client_frame(Opcode::kText, "frag", false), Now{}, out);
  EXPECT_EQ(out.bytes, "");
  s.on_bytes(client_frame(Opcode::kPing, "in between"), Now{}, out);
  EXPECT_EQ(out.bytes, encode_frame(Opcode::kPong, "in between"));
  out.clear();
  s.on_bytes(client_frame(Opcode::kContinuation, "ments", true), Now{}, out);
  EXPECT_EQ(out.bytes, encode_frame(Opcode::kText, "fragments"));
}

// --- close handshake ---

class ValidCloseTest : public ::testing::TestWithParam<int> {};

TEST_P(ValidCloseTest, EchoesTheCodeAndCloses) {
  const auto code = static_cast<std::uint16_t>(GetParam());
  for (std::string reason : {"", "bye", "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5"}) {
    WebSocketSession s(test_config(), false);
    const Collected c = feed(s, client_frame(Opcode::kClose, close_payload(code, reason)));
    EXPECT_EQ(c.bytes, encode_frame(Opcode::kClose, close_payload(code)));
    EXPECT_TRUE(c.close);
    EXPECT_EQ(c.log, "");  // a clean close is not a failure
  }
}

INSTANTIATE_TEST_SUITE_P(Codes, ValidCloseTest,
                         ::testing::Values(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011,
                                           3000, 3999, 4000, 4999));

class InvalidCloseTest : public ::testing::TestWithParam<int> {};

TEST_P(InvalidCloseTest, FailsWith1002) {
  WebSocketSession s(test_config(), false);
  const Collected c = feed(s, client_frame(Opcode::kClose, close_payload(
                                                               static_cast<std::uint16_t>(GetParam()))));
  const auto frames = server_frames(c.bytes);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].opcode, Opcode::kClose);
  EXPECT_EQ(close_code(frames[0]), 1002);
  EXPECT_TRUE(c.close);
  EXPECT_NE(c.log, "");
}

INSTANTIATE_TEST_SUITE_P(Codes, InvalidCloseTest,
                         ::testing::Values(0, 1, 999, 1004, 1005, 1006, 1012, 1013, 1014, 1015,
                                           1016, 1100, 2000, 2999, 5000, 65535));

TEST(Close, EmptyCloseIsAnsweredWith1000) {
  WebSocketSession s(test_config(), false);
  const Collected c = feed(s, client_frame(Opcode::kClose, ""));
  EXPECT_EQ(c.bytes, encode_frame(Opcode::kClose, close_payload(1000)));
  EXPECT_TRUE(c.close);
}

TEST(Close, OneBytePayloadIs1002) {
  WebSocketSession s(test_config(), false);
  const auto frames = server_frames(feed(s, client_frame(Opcode::kClose, "\x03")).bytes);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(close_code(frames[0]), 1002);
}

TEST(Close, ReasonOf123BytesIsFineAnd124Is1002) {
  WebSocketSession ok(test_config(), false);
  EXPECT_EQ(feed(ok, client_frame(Opcode::kClose, close_payload(1000) + std::string(123, 'r'))).bytes,
            encode_frame(Opcode::kClose, close_payload(1000)));
  WebSocketSession bad(test_config(), false);
  const auto frames =
      server_frames(feed(bad, client_frame(Opcode::kClose, close_payload(1000) + std::string(124, 'r'))).bytes);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(close_code(frames[0]), 1002);
}

TEST(Close, InvalidUtf8ReasonIs1007) {
  for (std::string reason : {"\xC0\xAF", "ok\xED\xA0\x80", "\xF4\x90\x80\x80", "cut\xE2\x82"}) {
    WebSocketSession s(test_config(), false);
    const auto frames =
        server_frames(feed(s, client_frame(Opcode::kClose, close_payload(1000) + reason)).bytes);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(close_code(frames[0]), 1007);
  }
}

TEST(Close, InTheMiddleOfAFragmentedMessage) {
  WebSocketSession s(test_config(), false);
  const Collected c = feed(s, client_frame(Opcode::kText, "half", false) +
                                  client_frame(Opcode::kClose, close_payload(1001)));
  EXPECT_EQ(c.bytes, encode_frame(Opcode::kClose, close_payload(1001)));
  EXPECT_TRUE(c.close);
}

TEST(AfterClose, DataFramesAreIgnoredInTheSameRead) {
  WebSocketSession s(test_config(), false);
  const Collected c = feed(s, client_frame(Opcode::kText, "before") +
                                  client_frame(Opcode::kClose, close_payload(1000)) +
                                  client_frame(Opcode::kText, "after") +
                                  client_frame(Opcode::kPing, "ping after"));
  EXPECT_EQ(c.bytes, encode_frame(Opcode::kText, "before") +
                         encode_frame(Opcode::kClose, close_payload(1000)));
}

TEST(AfterClose, LaterReadsAreIgnored) {
  WebSocketSession s(test_config(), false);
  feed(s, client_frame(Opcode::kClose, close_payload(1000)));
  const Collected later = feed(s, client_frame(Opcode::kText, "after") + "\xFF\xFF garbage", 1);
  EXPECT_EQ(later.bytes, "");
  EXPECT_EQ(later.log, "");
}

TEST(PeerClosed, JustCloses) {
  WebSocketSession s(test_config(), false);
  feed(s, client_frame(Opcode::kText, "half", false));
  SessionOutput out;
  s.on_peer_closed(Now{}, out);
  EXPECT_TRUE(out.close);
  EXPECT_EQ(out.bytes, "");
}

// --- broadcast ---

TEST(Broadcast, MessagesGoToTheGroupNotBackDirectly) {
  WebSocketSession s(test_config(), true);
  EXPECT_EQ(s.broadcast_group(), "/broadcast");
  const Collected c = feed(s, client_frame(Opcode::kText, "to all") +
                                  fragmented(Opcode::kBinary, "bin", 1) +
                                  client_frame(Opcode::kPing, "p"));
  EXPECT_EQ(c.bytes, encode_frame(Opcode::kPong, "p"));  // control frames still answered directly
  ASSERT_EQ(c.broadcasts.size(), 2u);
  EXPECT_EQ(c.broadcasts[0], encode_frame(Opcode::kText, "to all"));
  EXPECT_EQ(c.broadcasts[1], encode_frame(Opcode::kBinary, "bin"));
}

TEST(Broadcast, OnBroadcastAppendsUntilClose) {
  WebSocketSession s(test_config(), true);
  const std::string frame = encode_frame(Opcode::kText, "news");
  SessionOutput out;
  s.on_broadcast(frame, out);
  s.on_broadcast(frame, out);
  EXPECT_EQ(out.bytes, frame + frame);
  feed(s, client_frame(Opcode::kClose, ""));
  out.clear();
  s.on_broadcast(frame, out);
  EXPECT_EQ(out.bytes, "");
}

TEST(Broadcast, NoBroadcastAfterAFailure) {
  WebSocketSession s(test_config(), true);
  feed(s, encode_frame(Opcode::kText, "unmasked"));
  SessionOutput out;
  s.on_broadcast(encode_frame(Opcode::kText, "news"), out);
  EXPECT_EQ(out.bytes, "");
}

TEST(Broadcast, EchoSessionHasNoGroup) {
  WebSocketSession s(test_config(), false);
  EXPECT_TRUE(s.broadcast_group().empty());
  EXPECT_TRUE(feed(s, client_frame(Opcode::kText, "x")).broadcasts.empty());
}

}  // namespace
}  // namespace archbench::websocket
