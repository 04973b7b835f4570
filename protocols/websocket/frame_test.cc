// The frame codec on its own: exact encoder bytes (RFC 6455 5.7), decoding of every length
// encoding under any split, and every malformed header.
#include "protocols/websocket/frame.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocols/websocket/test_peer.h"

namespace archbench::websocket {
namespace {

using testing::client_frame;
using testing::kTestKey;
using testing::payload_of;
using testing::raw_frame;

std::string bytes(std::initializer_list<int> list) {
  std::string s;
  for (int b : list) s.push_back(static_cast<char>(b));
  return s;
}

struct Decoded {
  std::vector<testing::ServerFrame> frames;  // opcode, fin, payload
  std::uint16_t error = 0;
  std::size_t consumed_at_error = 0;  // stream offset when the error was reported
};

// Decodes `stream` fed in pieces of `piece` bytes (0: whole).
Decoded decode_all(Role role, std::string_view stream, std::size_t piece = 0,
                   std::size_t max = 1u << 20) {
  FrameDecoder decoder(role, max);
  Decoded d;
  if (piece == 0) piece = stream.size() + 1;
  std::size_t offset = 0;
  while (offset < stream.size()) {
    std::string_view chunk = stream.substr(offset, piece);
    const std::size_t chunk_size = chunk.size();
    while (true) {
      const DecodeStatus s = decoder.decode(chunk);
      if (s == DecodeStatus::kError) {
        d.error = decoder.error().close_code;
        d.consumed_at_error = offset + (chunk_size - chunk.size());
        return d;
      }
      if (s == DecodeStatus::kNeedMore) break;
      const Frame& f = decoder.frame();
      d.frames.push_back({f.opcode, f.fin, std::string(f.payload)});
      if (chunk.empty()) break;
    }
    offset += chunk_size;
  }
  return d;
}

TEST(EncodeFrame, Rfc6455Examples) {
  // RFC 6455 5.7.
  EXPECT_EQ(encode_frame(Opcode::kText, "Hello"), bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
  EXPECT_EQ(encode_frame(Opcode::kText, "Hello", true, kTestKey),
            bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
  EXPECT_EQ(encode_frame(Opcode::kText, "Hel", false), bytes({0x01, 0x03, 0x48, 0x65, 0x6c}));
  EXPECT_EQ(encode_frame(Opcode::kContinuation, "lo"), bytes({0x80, 0x02, 0x6c, 0x6f}));
  EXPECT_EQ(encode_frame(Opcode::kPing, "Hello"), bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
  EXPECT_EQ(encode_frame(Opcode::kPong, "Hello", true, kTestKey),
            bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
  EXPECT_EQ(encode_frame(Opcode::kBinary, std::string(256, 'x')).substr(0, 4),
            bytes({0x82, 0x7E, 0x01, 0x00}));
  EXPECT_EQ(encode_frame(Opcode::kBinary, std::string(65536, 'x')).substr(0, 10),
            bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0}));
}

struct LengthCase {
  std::size_t payload;
  std::size_t header;  // unmasked header size
};

// Readable parameter names in failure messages.
void PrintTo(const LengthCase& c, std::ostream* os) {
  *os << c.payload;
}

class EncodeLengthTest : public ::testing::TestWithParam<LengthCase> {};

TEST_P(EncodeLengthTest, UsesTheMinimalLengthEncoding) {
  const auto [n, header] = GetParam();
  const std::string payload = payload_of(Opcode::kBinary, n);
  const std::string server = encode_frame(Opcode::kBinary, payload);
  ASSERT_EQ(server.size(), header + n);
  EXPECT_EQ(server.substr(header), payload);
  const std::string client = encode_frame(Opcode::kBinary, payload, true, kTestKey);
  ASSERT_EQ(client.size(), header + 4 + n);
  EXPECT_EQ(static_cast<unsigned char>(client[1]) & 0x80, 0x80);
  EXPECT_EQ(client.substr(header, 4), bytes({0x37, 0xfa, 0x21, 0x3d}));
}

INSTANTIATE_TEST_SUITE_P(Lengths, EncodeLengthTest,
                         ::testing::Values(LengthCase{0, 2}, LengthCase{1, 2}, LengthCase{125, 2},
                                           LengthCase{126, 4}, LengthCase{127, 4},
                                           LengthCase{128, 4}, LengthCase{65535, 4},
                                           LengthCase{65536, 10}, LengthCase{100000, 10}));

TEST(MaskCopy, MatchesBytewiseXorForEveryLengthAndPhase) {
  const MaskingKey key = {0x01, 0x80, 0xFE, 0x5A};
  const std::string in = payload_of(Opcode::kBinary, 70);
  for (std::size_t n = 0; n <= in.size(); ++n) {
    for (std::size_t phase = 0; phase < 4; ++phase) {
      std::string out(n, '\0');
      mask_copy(in.data(), out.data(), n, key, phase);
      std::string in_place = in.substr(0, n);
      mask_copy(in_place.data(), in_place.data(), n, key, phase);
      for (std::size_t i = 0; i < n; ++i) {
        const char want = static_cast<char>(in[i] ^ key[(phase + i) % 4]);
        ASSERT_EQ(out[i], want) << n << " " << phase << " " << i;
        ASSERT_EQ(in_place[i], want);
      }
    }
  }
}

// Round trips over every length encoding, both roles and many splits.
struct RoundTripCase {
  Opcode opcode;
  std::size_t size;
  Role role;
  std::size_t piece;  // 0 = whole
};

// Readable parameter names in failure messages.
void PrintTo(const RoundTripCase& c, std::ostream* os) {
  *os << static_cast<int>(c.opcode) << "/" << c.size << "/" << c.piece;
}

class RoundTripTest : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(RoundTripTest, DecodesWhatWasEncoded) {
  const RoundTripCase& c = GetParam();
  const std::string payload = payload_of(c.opcode, c.size);
  // The decoder's role is the receiver's: a server receives masked frames.
  const std::string wire = c.role == Role::kServer ? encode_frame(c.opcode, payload, true, kTestKey)
                                                   : encode_frame(c.opcode, payload);
  // Two frames back to back, so a split also falls between frames.
  const Decoded d = decode_all(c.role, wire + wire, c.piece);
  EXPECT_EQ(d.error, 0);
  ASSERT_EQ(d.frames.size(), 2u);
  for (const auto& f : d.frames) {
    EXPECT_EQ(f.opcode, c.opcode);
    EXPECT_TRUE(f.fin);
    EXPECT_EQ(f.payload, payload);
  }
}

std::vector<RoundTripCase> round_trip_cases() {
  std::vector<RoundTripCase> out;
  for (Opcode op : {Opcode::kText, Opcode::kBinary}) {
    for (std::size_t size : {0, 1, 125, 126, 127, 128, 65535, 65536}) {
      for (Role role : {Role::kServer, Role::kClient}) {
        for (std::size_t piece : {0, 1, 2, 3, 5, 7, 13, 64, 1000, 4096}) {
          if (piece == 1 && size > 1000) continue;  // byte-at-a-time below covers large sizes
          out.push_back({op, size, role, piece});
        }
      }
    }
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, RoundTripTest, ::testing::ValuesIn(round_trip_cases()), [](const auto& info) {
      const RoundTripCase& c = info.param;
      return std::string(c.opcode == Opcode::kText ? "text" : "binary") + "_" +
             std::to_string(c.size) + (c.role == Role::kServer ? "_server" : "_client") +
             "_piece" + std::to_string(c.piece);
    });

TEST(FrameDecoder, LargeFrameOneByteAtATime) {
  const std::string payload = payload_of(Opcode::kBinary, 65536);
  const Decoded d = decode_all(Role::kServer, client_frame(Opcode::kBinary, payload), 1);
  ASSERT_EQ(d.frames.size(), 1u);
  EXPECT_EQ(d.frames[0].payload, payload);
}

TEST(FrameDecoder, EveryTwoPieceSplit) {
  for (std::size_t size : {0, 5, 125, 126, 300}) {
    const std::string payload = payload_of(Opcode::kText, size);
    const std::string wire = client_frame(Opcode::kText, payload) + client_frame(Opcode::kPing, "p");
    for (std::size_t split = 0; split <= wire.size(); ++split) {
      FrameDecoder decoder(Role::kServer, 1u << 20);
      std::vector<std::string> got;
      for (std::string_view piece : {std::string_view(wire).substr(0, split),
                                     std::string_view(wire).substr(split)}) {
        while (!piece.empty() && decoder.decode(piece) == DecodeStatus::kFrame) {
          got.emplace_back(decoder.frame().payload);
        }
      }
      ASSERT_EQ(got.size(), 2u) << size << " split " << split;
      EXPECT_EQ(got[0], payload);
      EXPECT_EQ(got[1], "p");
    }
  }
}

TEST(FrameDecoder, AcceptsNonMinimalLengths) {
  // 5 bytes announced with the 16-bit and the 64-bit form.
  std::string f16 = bytes({0x81, 0xFE, 0x00, 0x05, 0, 0, 0, 0}) + "hello";
  std::string f64 = bytes({0x81, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0x05, 0, 0, 0, 0}) + "hello";
  for (const std::string& wire : {f16, f64}) {
    const Decoded d = decode_all(Role::kServer, wire);
    ASSERT_EQ(d.frames.size(), 1u);
    EXPECT_EQ(d.frames[0].payload, "hello");
  }
}

TEST(FrameDecoder, TracksFragmentedMessages) {
  FrameDecoder decoder(Role::kServer, 1000);
  std::string wire = client_frame(Opcode::kText, "ab", false) + client_frame(Opcode::kPing, "") +
                     client_frame(Opcode::kContinuation, "cd", true);
  std::string_view in = wire;
  ASSERT_EQ(decoder.decode(in), DecodeStatus::kFrame);
  EXPECT_TRUE(decoder.frame().message_start);
  EXPECT_FALSE(decoder.frame().fin);
  EXPECT_TRUE(decoder.in_message());
  ASSERT_EQ(decoder.decode(in), DecodeStatus::kFrame);
  EXPECT_EQ(decoder.frame().opcode, Opcode::kPing);
  EXPECT_TRUE(decoder.in_message());
  ASSERT_EQ(decoder.decode(in), DecodeStatus::kFrame);
  EXPECT_EQ(decoder.frame().opcode, Opcode::kContinuation);
  EXPECT_EQ(decoder.frame().message_opcode, Opcode::kText);
  EXPECT_FALSE(decoder.frame().message_start);
  EXPECT_EQ(decoder.frame().payload, "cd");
  EXPECT_FALSE(decoder.in_message());
  EXPECT_TRUE(in.empty());
}

TEST(FrameDecoder, PartialExposesThePayloadSoFar) {
  FrameDecoder decoder(Role::kServer, 1000);
  const std::string wire = client_frame(Opcode::kText, "hello world");
  std::string_view in = std::string_view(wire).substr(0, 4);
  EXPECT_EQ(decoder.decode(in), DecodeStatus::kNeedMore);
  EXPECT_EQ(decoder.partial(), nullptr);  // still in the header (2 + 4 key bytes)
  in = std::string_view(wire).substr(4, 6);
  EXPECT_EQ(decoder.decode(in), DecodeStatus::kNeedMore);
  ASSERT_NE(decoder.partial(), nullptr);
  EXPECT_EQ(decoder.partial()->payload, "hell");
  EXPECT_EQ(decoder.partial()->message_opcode, Opcode::kText);
  in = std::string_view(wire).substr(10);
  EXPECT_EQ(decoder.decode(in), DecodeStatus::kFrame);
  EXPECT_EQ(decoder.frame().payload, "hello world");
}

// Every malformed stream: fed whole and one byte at a time, with the close code expected.
struct ErrorCase {
  std::string name;
  std::string wire;
  std::uint16_t code;
  Role role = Role::kServer;
  std::size_t max = 1000;
  std::size_t frames_before = 0;  // valid frames decoded before the error
};

// Readable parameter names in failure messages.
void PrintTo(const ErrorCase& c, std::ostream* os) {
  *os << c.name;
}

std::string too_big_header() {
  // A 64-bit length of 2^32 announced, no payload sent: must fail from the header alone.
  return bytes({0x82, 0xFF, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4});
}

std::vector<ErrorCase> error_cases() {
  std::vector<ErrorCase> out = {
      {"rsv1", raw_frame(0xC1, "x"), 1002},
      {"rsv2", raw_frame(0xA1, "x"), 1002},
      {"rsv3", raw_frame(0x91, "x"), 1002},
      {"rsv_all", raw_frame(0xF1, "x"), 1002},
      {"rsv_on_ping", raw_frame(0xC9, "x"), 1002},
      {"unmasked_client_text", encode_frame(Opcode::kText, "hi"), 1002},
      {"unmasked_client_close", encode_frame(Opcode::kClose, ""), 1002},
      {"masked_server_frame", client_frame(Opcode::kText, "hi"), 1002, Role::kClient},
      {"ping_126", client_frame(Opcode::kPing, std::string(126, 'p')), 1002},
      {"pong_126", client_frame(Opcode::kPong, std::string(126, 'p')), 1002},
      {"close_126", client_frame(Opcode::kClose, std::string(126, 'c')), 1002},
      {"ping_fragmented", client_frame(Opcode::kPing, "p", false), 1002},
      {"pong_fragmented", client_frame(Opcode::kPong, "p", false), 1002},
      {"close_fragmented", client_frame(Opcode::kClose, "", false), 1002},
      {"continuation_first", client_frame(Opcode::kContinuation, "x"), 1002},
      {"continuation_after_complete",
       client_frame(Opcode::kText, "a") + client_frame(Opcode::kContinuation, "b"), 1002,
       Role::kServer, 1000, 1},
      {"text_inside_message",
       client_frame(Opcode::kText, "a", false) + client_frame(Opcode::kText, "b"), 1002,
       Role::kServer, 1000, 1},
      {"binary_inside_text",
       client_frame(Opcode::kText, "a", false) + client_frame(Opcode::kBinary, "b"), 1002,
       Role::kServer, 1000, 1},
      {"length64_msb", bytes({0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}), 1002},
      {"frame_over_max", client_frame(Opcode::kBinary, std::string(1001, 'x')), 1009},
      {"frame_at_max_plus_one_16bit", client_frame(Opcode::kText, std::string(1001, 'x')), 1009},
      {"huge_header_only", too_big_header(), 1009},
      {"fragments_over_max",
       client_frame(Opcode::kBinary, std::string(600, 'x'), false) +
           client_frame(Opcode::kContinuation, std::string(401, 'x')),
       1009, Role::kServer, 1000, 1},
  };
  for (int op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    out.push_back({"reserved_opcode_" + std::to_string(op),
                   raw_frame(static_cast<std::uint8_t>(0x80 | op), "x"), 1002});
  }
  return out;
}

class FrameErrorTest : public ::testing::TestWithParam<std::tuple<ErrorCase, std::size_t>> {};

TEST_P(FrameErrorTest, FailsWithTheRightCode) {
  const auto& [c, piece] = GetParam();
  const Decoded d = decode_all(c.role, c.wire, piece, c.max);
  EXPECT_EQ(d.error, c.code);
  EXPECT_EQ(d.frames.size(), c.frames_before);
}

INSTANTIATE_TEST_SUITE_P(Malformed, FrameErrorTest,
                         ::testing::Combine(::testing::ValuesIn(error_cases()),
                                            ::testing::Values(0, 1, 3)),
                         [](const auto& info) {
                           return std::get<0>(info.param).name + "_piece" +
                                  std::to_string(std::get<1>(info.param));
                         });

TEST(FrameDecoder, FailsFastOnTheFirstTwoBytes) {
  // An unmasked frame announcing a large payload is refused at its second byte.
  const Decoded d = decode_all(Role::kServer, encode_frame(Opcode::kText, std::string(5000, 'a')), 1);
  EXPECT_EQ(d.error, 1002);
  EXPECT_EQ(d.consumed_at_error, 2u);
}

TEST(FrameDecoder, OversizeIsRefusedBeforeThePayload) {
  const std::string header = too_big_header();
  const Decoded d = decode_all(Role::kServer, header, 0, 1u << 20);
  EXPECT_EQ(d.error, 1009);
  EXPECT_EQ(d.consumed_at_error, header.size());
}

TEST(FrameDecoder, ErrorIsSticky) {
  FrameDecoder decoder(Role::kServer, 1000);
  std::string wire = raw_frame(0xC1, "x");
  std::string_view in = wire;
  EXPECT_EQ(decoder.decode(in), DecodeStatus::kError);
  const std::string good = client_frame(Opcode::kText, "ok");
  std::string_view again = good;
  EXPECT_EQ(decoder.decode(again), DecodeStatus::kError);
  EXPECT_EQ(decoder.error().close_code, 1002);
  EXPECT_FALSE(decoder.error().reason.empty());
}

}  // namespace
}  // namespace archbench::websocket
