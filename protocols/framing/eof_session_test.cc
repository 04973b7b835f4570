#include "protocols/framing/eof_session.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace archbench::framing {
namespace {

ProtocolConfig config_with(std::string delimiter, std::size_t max_length) {
  ProtocolConfig config;
  config.package_eof = std::move(delimiter);
  config.package_max_length = max_length;
  return config;
}

TEST(EofSessionTest, AnswersEachMessageWithItselfDelimiterIncluded) {
  auto session = make_eof_session(ProtocolConfig{});
  SessionOutput out;
  session->on_bytes("hello\r\n", Now{}, out);
  EXPECT_EQ(out.bytes, "hello\r\n");
  EXPECT_FALSE(out.close);
  EXPECT_TRUE(out.log.empty());
}

TEST(EofSessionTest, EmptyMessageIsAnswered) {
  auto session = make_eof_session(ProtocolConfig{});
  SessionOutput out;
  session->on_bytes("\r\n", Now{}, out);
  EXPECT_EQ(out.bytes, "\r\n");
}

TEST(EofSessionTest, ManyMessagesInOneReadAnsweredInOrder) {
  auto session = make_eof_session(ProtocolConfig{});
  SessionOutput out;
  session->on_bytes("a\r\nb\r\n\r\nc\r\nunfinished", Now{}, out);
  EXPECT_EQ(out.bytes, "a\r\nb\r\n\r\nc\r\n");
  out.clear();
  session->on_bytes("\r\n", Now{}, out);
  EXPECT_EQ(out.bytes, "unfinished\r\n");
}

TEST(EofSessionTest, OneMessageOverManyReadsAnsweredOnceComplete) {
  auto session = make_eof_session(ProtocolConfig{});
  SessionOutput out;
  for (const char* piece : {"he", "ll", "o\r"}) {
    session->on_bytes(piece, Now{}, out);
    EXPECT_TRUE(out.bytes.empty()) << piece;
  }
  session->on_bytes("\n", Now{}, out);
  EXPECT_EQ(out.bytes, "hello\r\n");
}

TEST(EofSessionTest, EverySplitPositionGivesTheSameReplies) {
  const std::string input = "one\r\n\r\ntwo\r\n";
  for (std::size_t i = 0; i <= input.size(); ++i) {
    auto session = make_eof_session(ProtocolConfig{});
    SessionOutput out;
    session->on_bytes(input.substr(0, i), Now{}, out);
    session->on_bytes(input.substr(i), Now{}, out);
    EXPECT_EQ(out.bytes, input) << "split at " << i;
  }
}

TEST(EofSessionTest, CustomMultiByteDelimiterFromConfig) {
  auto session = make_eof_session(config_with("#END#", 100));
  SessionOutput out;
  session->on_bytes("x#EN", Now{}, out);
  EXPECT_TRUE(out.bytes.empty());
  session->on_bytes("D##END#y\r\n#END#", Now{}, out);
  EXPECT_EQ(out.bytes, "x#END##END#y\r\n#END#");
}

TEST(EofSessionTest, OversizedMessageWithDelimiterClosesWithExactLog) {
  auto session = make_eof_session(config_with("\r\n", 8));
  SessionOutput out;
  session->on_bytes("1234567\r\n", Now{}, out);
  EXPECT_TRUE(out.bytes.empty());
  EXPECT_TRUE(out.close);
  EXPECT_EQ(out.log,
            "eof framing: message of 9 bytes (delimiter included) exceeds package_max_length 8; "
            "closing connection");
}

TEST(EofSessionTest, OversizedMessageWithoutDelimiterClosesWithExactLog) {
  auto session = make_eof_session(config_with("\r\n", 8));
  SessionOutput out;
  session->on_bytes("12345678", Now{}, out);
  EXPECT_TRUE(out.close);
  EXPECT_EQ(out.log,
            "eof framing: message exceeds package_max_length 8 (8 bytes received without the "
            "delimiter \"\\r\\n\"); closing connection");
}

TEST(EofSessionTest, OversizeLogHintsAtBareNewlines) {
  auto session = make_eof_session(config_with("\r\n", 8));
  SessionOutput out;
  session->on_bytes("ab\ncd\nef\n", Now{}, out);
  EXPECT_TRUE(out.close);
  EXPECT_EQ(out.log,
            "eof framing: message exceeds package_max_length 8 (9 bytes received without the "
            "delimiter \"\\r\\n\"); the message contains \"\\n\" alone: the client may end "
            "messages with a different delimiter; closing connection");
}

TEST(EofSessionTest, MessagesBeforeTheOversizedOneAreAnswered) {
  auto session = make_eof_session(config_with("\r\n", 8));
  SessionOutput out;
  session->on_bytes("ok\r\n\r\nfar too long\r\nafter\r\n", Now{}, out);
  EXPECT_EQ(out.bytes, "ok\r\n\r\n");
  EXPECT_TRUE(out.close);
  EXPECT_FALSE(out.log.empty());
}

TEST(EofSessionTest, OversizeDetectedAcrossReads) {
  auto session = make_eof_session(config_with("\r\n", 8));
  SessionOutput out;
  session->on_bytes("1234", Now{}, out);
  EXPECT_FALSE(out.close);
  session->on_bytes("5678", Now{}, out);
  EXPECT_TRUE(out.close);
  EXPECT_TRUE(out.bytes.empty());
}

TEST(EofSessionTest, BytesAfterTheFailureAreIgnored) {
  auto session = make_eof_session(config_with("\r\n", 8));
  SessionOutput out;
  session->on_bytes("123456789\r\n", Now{}, out);
  ASSERT_TRUE(out.close);
  out.clear();
  session->on_bytes("ok\r\n", Now{}, out);
  EXPECT_TRUE(out.bytes.empty());
  EXPECT_TRUE(out.log.empty());
}

TEST(EofSessionTest, PeerCloseDropsAnUnterminatedMessage) {
  auto session = make_eof_session(ProtocolConfig{});
  SessionOutput out;
  session->on_bytes("done\r\npartial", Now{}, out);
  out.clear();
  session->on_peer_closed(Now{}, out);
  EXPECT_TRUE(out.close);
  EXPECT_TRUE(out.bytes.empty());
}

TEST(EofSessionTest, FactoryRejectsAnEmptyDelimiter) {
  EXPECT_THROW(make_eof_session(config_with("", 100)), std::invalid_argument);
}

}  // namespace
}  // namespace archbench::framing
