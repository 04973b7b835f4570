#include "protocols/framing/length_session.h"

#include <gtest/gtest.h>

#include <string>

#include "protocols/framing/length_framer.h"

namespace archbench::framing {
namespace {

std::string frame(std::string_view body) {
  std::string out;
  encode_length_frame(body, out);
  return out;
}

std::string header(unsigned char a, unsigned char b, unsigned char c, unsigned char d) {
  return std::string{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c),
                     static_cast<char>(d)};
}

ProtocolConfig config_with(std::size_t max_length) {
  ProtocolConfig config;
  config.package_max_length = max_length;
  return config;
}

TEST(LengthSessionTest, AnswersEachFrameWithTheSameFrame) {
  auto session = make_length_session(ProtocolConfig{});
  SessionOutput out;
  session->on_bytes(frame("hello"), Now{}, out);
  EXPECT_EQ(out.bytes, frame("hello"));
  EXPECT_FALSE(out.close);
}

TEST(LengthSessionTest, ZeroLengthFrameIsAnswered) {
  auto session = make_length_session(ProtocolConfig{});
  SessionOutput out;
  session->on_bytes(frame(""), Now{}, out);
  EXPECT_EQ(out.bytes, header(0, 0, 0, 0));
}

TEST(LengthSessionTest, ManyFramesInOneReadAndAPartialOne) {
  auto session = make_length_session(ProtocolConfig{});
  SessionOutput out;
  const std::string complete = frame("a") + frame("") + frame(std::string(300, 'z'));
  const std::string last = frame("tail");
  session->on_bytes(complete + last.substr(0, 6), Now{}, out);
  EXPECT_EQ(out.bytes, complete);
  out.clear();
  session->on_bytes(last.substr(6), Now{}, out);
  EXPECT_EQ(out.bytes, last);
}

TEST(LengthSessionTest, EverySplitPositionGivesTheSameReplies) {
  const std::string input = frame("abc") + frame("") + frame("de");
  for (std::size_t i = 0; i <= input.size(); ++i) {
    auto session = make_length_session(ProtocolConfig{});
    SessionOutput out;
    session->on_bytes(input.substr(0, i), Now{}, out);
    session->on_bytes(input.substr(i), Now{}, out);
    EXPECT_EQ(out.bytes, input) << "split at " << i;
  }
}

TEST(LengthSessionTest, OversizedLengthClosesWithExactLog) {
  auto session = make_length_session(config_with(16));
  SessionOutput out;
  session->on_bytes(header(0, 0, 0, 17), Now{}, out);
  EXPECT_TRUE(out.bytes.empty());
  EXPECT_TRUE(out.close);
  EXPECT_EQ(out.log,
            "length framing: frame length 17 exceeds package_max_length 16 (header 00 00 00 11); "
            "closing connection");
}

TEST(LengthSessionTest, HttpRequestOnALengthPortIsNamedInTheLog) {
  auto session = make_length_session(ProtocolConfig{});
  SessionOutput out;
  session->on_bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n", Now{}, out);
  EXPECT_TRUE(out.bytes.empty());
  EXPECT_TRUE(out.close);
  EXPECT_EQ(out.log,
            "length framing: frame length 1195725856 exceeds package_max_length 2097152 "
            "(header 47 45 54 20 \"GET \"); looks like an HTTP request sent to a length-framed "
            "port; closing connection");
}

TEST(LengthSessionTest, MaxSignedLengthIsRejectedWithExactLog) {
  auto session = make_length_session(ProtocolConfig{});
  SessionOutput out;
  session->on_bytes(header(0x7f, 0xff, 0xff, 0xff), Now{}, out);
  EXPECT_TRUE(out.close);
  EXPECT_EQ(out.log,
            "length framing: frame length 2147483647 exceeds package_max_length 2097152 "
            "(header 7f ff ff ff); the largest signed/unsigned 32-bit value: a sentinel or an "
            "uninitialised length, not a real frame; closing connection");
}

TEST(LengthSessionTest, LittleEndianLengthIsNamedInTheLog) {
  auto session = make_length_session(ProtocolConfig{});
  SessionOutput out;
  session->on_bytes(header(5, 0, 0, 0) + "hello", Now{}, out);
  EXPECT_TRUE(out.close);
  EXPECT_EQ(out.log,
            "length framing: frame length 83886080 exceeds package_max_length 2097152 "
            "(header 05 00 00 00); read little-endian it would be 5: the client may write the "
            "length little-endian (it must be big-endian); closing connection");
}

TEST(LengthSessionTest, RejectedAsSoonAsTheHeaderCompletes) {
  auto session = make_length_session(config_with(16));
  SessionOutput out;
  session->on_bytes(header(0, 0, 1, 0).substr(0, 2), Now{}, out);
  EXPECT_FALSE(out.close);
  session->on_bytes(header(0, 0, 1, 0).substr(2), Now{}, out);  // 256 > 16, body never sent
  EXPECT_TRUE(out.close);
}

TEST(LengthSessionTest, FramesBeforeTheBadHeaderAreAnswered) {
  auto session = make_length_session(config_with(16));
  SessionOutput out;
  session->on_bytes(frame("one") + frame("") + header(0, 0, 0, 200) + "xx", Now{}, out);
  EXPECT_EQ(out.bytes, frame("one") + frame(""));
  EXPECT_TRUE(out.close);
}

TEST(LengthSessionTest, BytesAfterTheFailureAreIgnored) {
  auto session = make_length_session(config_with(16));
  SessionOutput out;
  session->on_bytes(header(0, 0, 0, 17), Now{}, out);
  out.clear();
  session->on_bytes(frame("ok"), Now{}, out);
  EXPECT_TRUE(out.bytes.empty());
  EXPECT_FALSE(out.close);  // already requested once; the driver is closing
}

TEST(LengthSessionTest, PeerCloseClosesWithoutOutput) {
  auto session = make_length_session(ProtocolConfig{});
  SessionOutput out;
  session->on_bytes(header(0, 0, 0, 9) + "part", Now{}, out);
  session->on_peer_closed(Now{}, out);
  EXPECT_TRUE(out.close);
  EXPECT_TRUE(out.bytes.empty());
}

}  // namespace
}  // namespace archbench::framing
