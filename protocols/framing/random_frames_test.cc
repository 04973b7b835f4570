// The CONFORMANCE.md framing stress case: 128 random frames of 512 B - 1 MiB, delivered in
// random 1-65536-byte slices, each reply compared byte for byte. Fixed seeds: a failure
// reproduces.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "protocols/framing/eof_framer.h"
#include "protocols/framing/eof_session.h"
#include "protocols/framing/length_framer.h"
#include "protocols/framing/length_session.h"

namespace archbench::framing {
namespace {

constexpr int kFrames = 128;
constexpr std::size_t kMinBody = 512;
constexpr std::size_t kMaxBody = 1 << 20;
constexpr std::size_t kMaxSlice = 65536;

// Random bytes; for EOF framing, bytes that cannot form the delimiter (its first byte is
// replaced), so every message ends exactly where we put the delimiter.
std::string random_body(std::mt19937_64& rng, std::string_view delimiter) {
  std::uniform_int_distribution<std::size_t> size(kMinBody, kMaxBody);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string body(size(rng), '\0');
  for (char& c : body) {
    c = static_cast<char>(byte(rng));
    if (!delimiter.empty() && c == delimiter.front()) c = static_cast<char>(c ^ 0x01);
  }
  return body;
}

// Cuts `stream` into random slices and hands each to `feed`.
template <typename Feed>
void feed_in_slices(const std::string& stream, std::mt19937_64& rng, Feed feed) {
  std::uniform_int_distribution<std::size_t> slice(1, kMaxSlice);
  for (std::size_t at = 0; at < stream.size();) {
    const std::size_t n = std::min(slice(rng), stream.size() - at);
    feed(std::string_view(stream).substr(at, n));
    at += n;
  }
}

void check_eof_framer(const std::string& delimiter, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> messages;
  std::string stream;
  for (int i = 0; i < kFrames; ++i) {
    messages.push_back(random_body(rng, delimiter) + delimiter);
    stream += messages.back();
  }
  EofFramer framer(delimiter, kMaxBody + delimiter.size());
  std::size_t received = 0;
  feed_in_slices(stream, rng, [&](std::string_view slice) {
    framer.append(slice);
    for (;;) {
      const EofFramer::Result result = framer.next();
      ASSERT_NE(result.status, EofFramer::Status::kTooLong);
      if (result.status == EofFramer::Status::kNeedMore) break;
      ASSERT_LT(received, messages.size());
      ASSERT_TRUE(result.message == messages[received]) << "message " << received;
      ++received;
    }
  });
  EXPECT_EQ(received, messages.size());
  EXPECT_EQ(framer.buffered(), 0u);
}

TEST(RandomFramesTest, EofFramerCrLf) { check_eof_framer("\r\n", 1); }

TEST(RandomFramesTest, EofFramerFourByteDelimiter) { check_eof_framer("\xfe\xed\xfa\xce", 2); }

TEST(RandomFramesTest, EofSessionEchoesTheStream) {
  std::mt19937_64 rng(3);
  std::string stream;
  for (int i = 0; i < kFrames; ++i) stream += random_body(rng, "\r\n") + "\r\n";
  auto session = make_eof_session(ProtocolConfig{});
  std::size_t compared = 0;
  SessionOutput out;
  feed_in_slices(stream, rng, [&](std::string_view slice) {
    out.clear();
    session->on_bytes(slice, Now{}, out);
    ASSERT_FALSE(out.close) << out.log;
    ASSERT_TRUE(std::string_view(stream).substr(compared, out.bytes.size()) == out.bytes);
    compared += out.bytes.size();
  });
  EXPECT_EQ(compared, stream.size());
}

TEST(RandomFramesTest, LengthFramer) {
  std::mt19937_64 rng(4);
  std::vector<std::string> bodies;
  std::string stream;
  for (int i = 0; i < kFrames; ++i) {
    bodies.push_back(random_body(rng, ""));
    encode_length_frame(bodies.back(), stream);
  }
  LengthFramer framer(kMaxBody);
  std::size_t received = 0;
  feed_in_slices(stream, rng, [&](std::string_view slice) {
    framer.append(slice);
    for (;;) {
      const LengthFramer::Result result = framer.next();
      ASSERT_NE(result.status, LengthFramer::Status::kTooLong);
      if (result.status == LengthFramer::Status::kNeedMore) break;
      ASSERT_LT(received, bodies.size());
      ASSERT_TRUE(result.body == bodies[received]) << "frame " << received;
      ++received;
    }
  });
  EXPECT_EQ(received, bodies.size());
  EXPECT_EQ(framer.buffered(), 0u);
}

TEST(RandomFramesTest, LengthSessionEchoesTheStream) {
  std::mt19937_64 rng(5);
  std::string stream;
  for (int i = 0; i < kFrames; ++i) encode_length_frame(random_body(rng, ""), stream);
  auto session = make_length_session(ProtocolConfig{});
  std::size_t compared = 0;
  SessionOutput out;
  feed_in_slices(stream, rng, [&](std::string_view slice) {
    out.clear();
    session->on_bytes(slice, Now{}, out);
    ASSERT_FALSE(out.close) << out.log;
    ASSERT_TRUE(std::string_view(stream).substr(compared, out.bytes.size()) == out.bytes);
    compared += out.bytes.size();
  });
  EXPECT_EQ(compared, stream.size());
}

}  // namespace
}  // namespace archbench::framing
