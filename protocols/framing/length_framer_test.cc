#include "protocols/framing/length_framer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace archbench::framing {
namespace {

using Status = LengthFramer::Status;

std::string frame(std::string_view body) {
  std::string out;
  encode_length_frame(body, out);
  return out;
}

std::string header(unsigned char a, unsigned char b, unsigned char c, unsigned char d) {
  return std::string{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c),
                     static_cast<char>(d)};
}

// Feeds `reads` one after the other and returns the body of every frame produced.
std::vector<std::string> bodies(LengthFramer& framer, const std::vector<std::string>& reads) {
  std::vector<std::string> out;
  for (const std::string& read : reads) {
    framer.append(read);
    for (;;) {
      const LengthFramer::Result result = framer.next();
      if (result.status != Status::kFrame) break;
      EXPECT_EQ(result.frame.size(), kLengthHeaderSize + result.body.size());
      EXPECT_EQ(result.length, result.body.size());
      out.emplace_back(result.body);
    }
  }
  return out;
}

TEST(LengthFrameEncodingTest, HeaderIsBigEndianBodyLength) {
  EXPECT_EQ(frame("abc"), header(0, 0, 0, 3) + "abc");
  EXPECT_EQ(frame(std::string(0x010203, 'x')).substr(0, 4), header(0, 0x01, 0x02, 0x03));
}

TEST(LengthFrameEncodingTest, EmptyBodyIsFourZeroBytes) { EXPECT_EQ(frame(""), header(0, 0, 0, 0)); }

TEST(LengthFrameEncodingTest, AppendsToExistingOutput) {
  std::string out = "x";
  encode_length_frame("y", out);
  EXPECT_EQ(out, "x" + header(0, 0, 0, 1) + "y");
}

TEST(LengthFrameEncodingTest, DecodeReadsBigEndian) {
  EXPECT_EQ(decode_length_header(header(0x12, 0x34, 0x56, 0x78)), 0x12345678u);
  EXPECT_EQ(decode_length_header(header(0xff, 0xff, 0xff, 0xff)), 0xffffffffu);
}

TEST(LengthFramerTest, OneFrame) {
  LengthFramer framer(100);
  EXPECT_EQ(bodies(framer, {frame("hello")}), std::vector<std::string>{"hello"});
  EXPECT_EQ(framer.buffered(), 0u);
}

TEST(LengthFramerTest, ZeroLengthBodyIsAFrame) {
  LengthFramer framer(100);
  framer.append(frame(""));
  const LengthFramer::Result result = framer.next();
  ASSERT_EQ(result.status, Status::kFrame);
  EXPECT_EQ(result.body, "");
  EXPECT_EQ(result.frame, header(0, 0, 0, 0));
}

TEST(LengthFramerTest, ManyFramesInOneRead) {
  LengthFramer framer(100);
  EXPECT_EQ(bodies(framer, {frame("a") + frame("") + frame("ccc") + header(0, 0, 0, 9) + "par"}),
            (std::vector<std::string>{"a", "", "ccc"}));
  EXPECT_EQ(framer.buffered(), 7u);
}

TEST(LengthFramerTest, HeaderSplitAtEveryPosition) {
  const std::string input = frame("body") + frame("");
  for (std::size_t i = 0; i <= input.size(); ++i) {
    for (std::size_t j = i; j <= input.size(); ++j) {
      LengthFramer framer(100);
      EXPECT_EQ(bodies(framer, {input.substr(0, i), input.substr(i, j - i), input.substr(j)}),
                (std::vector<std::string>{"body", ""}))
          << "split at " << i << " and " << j;
    }
  }
}

TEST(LengthFramerTest, OneByteAtATime) {
  const std::string input = frame("xy") + frame("") + frame("z");
  std::vector<std::string> reads;
  for (char c : input) reads.emplace_back(1, c);
  LengthFramer framer(100);
  EXPECT_EQ(bodies(framer, reads), (std::vector<std::string>{"xy", "", "z"}));
}

TEST(LengthFramerTest, BodyExactlyAtTheLimitIsAccepted) {
  LengthFramer framer(5);
  EXPECT_EQ(bodies(framer, {frame("12345")}), std::vector<std::string>{"12345"});
}

TEST(LengthFramerTest, LengthOverTheLimitRejectedFromTheHeaderAlone) {
  LengthFramer framer(5);
  framer.append(header(0, 0, 0, 6));  // no body bytes: it must not wait for them
  const LengthFramer::Result result = framer.next();
  ASSERT_EQ(result.status, Status::kTooLong);
  EXPECT_EQ(result.length, 6u);
  EXPECT_EQ(result.header, header(0, 0, 0, 6));
}

TEST(LengthFramerTest, HeaderOverTheLimitRejectedEvenWhenSplit) {
  LengthFramer framer(5);
  framer.append(header(0x7f, 0xff, 0, 0).substr(0, 3));
  EXPECT_EQ(framer.next().status, Status::kNeedMore);
  framer.append(std::string(1, '\0'));
  EXPECT_EQ(framer.next().status, Status::kTooLong);
}

TEST(LengthFramerTest, FramesBeforeTheBadHeaderAreReturned) {
  LengthFramer framer(5);
  framer.append(frame("ok") + "GET / HTTP/1.1\r\n");
  EXPECT_EQ(framer.next().body, "ok");
  const LengthFramer::Result bad = framer.next();
  ASSERT_EQ(bad.status, Status::kTooLong);
  EXPECT_EQ(bad.header, "GET ");
  EXPECT_EQ(bad.length, 0x47455420u);
}

TEST(LengthFramerTest, FailureIsFinal) {
  LengthFramer framer(5);
  framer.append(header(0xff, 0xff, 0xff, 0xff));
  ASSERT_EQ(framer.next().status, Status::kTooLong);
  framer.append(frame("ok"));  // ignored
  const LengthFramer::Result again = framer.next();
  EXPECT_EQ(again.status, Status::kTooLong);
  EXPECT_EQ(again.length, 0xffffffffu);
}

TEST(LengthFramerTest, ZeroLimitStillAcceptsEmptyFrames) {
  LengthFramer framer(0);
  EXPECT_EQ(bodies(framer, {frame("") + frame("")}), (std::vector<std::string>{"", ""}));
  framer.append(frame("x"));
  EXPECT_EQ(framer.next().status, Status::kTooLong);
}

TEST(LikelyCauseTest, HttpMethods) {
  for (const char* start : {"GET ", "POST", "PUT ", "HEAD", "DELE", "OPTI", "PATC", "CONN"}) {
    EXPECT_EQ(likely_cause_of_bad_length(start, 1024),
              "looks like an HTTP request sent to a length-framed port")
        << start;
  }
  EXPECT_EQ(likely_cause_of_bad_length("PRI ", 1024),
            "looks like an HTTP/2 connection preface sent to a length-framed port");
}

TEST(LikelyCauseTest, TlsAndSsh) {
  EXPECT_EQ(likely_cause_of_bad_length(header(0x16, 0x03, 0x01, 0x02), 1024),
            "looks like a TLS handshake sent to a plaintext length-framed port");
  EXPECT_EQ(likely_cause_of_bad_length("SSH-", 1024),
            "looks like an SSH client sent to a length-framed port");
}

TEST(LikelyCauseTest, OtherText) {
  EXPECT_EQ(likely_cause_of_bad_length("hi\r\n", 1024),
            "the header is text: a text protocol (line- or EOF-framed?) sent to a length-framed "
            "port");
}

TEST(LikelyCauseTest, SentinelValues) {
  const std::string expected =
      "the largest signed/unsigned 32-bit value: a sentinel or an uninitialised length, not a "
      "real frame";
  EXPECT_EQ(likely_cause_of_bad_length(header(0x7f, 0xff, 0xff, 0xff), 1024), expected);
  EXPECT_EQ(likely_cause_of_bad_length(header(0xff, 0xff, 0xff, 0xff), 1024), expected);
}

TEST(LikelyCauseTest, LittleEndianLength) {
  EXPECT_EQ(likely_cause_of_bad_length(header(0x05, 0x01, 0x00, 0x00), 1024),
            "read little-endian it would be 261: the client may write the length little-endian "
            "(it must be big-endian)");
}

TEST(LikelyCauseTest, NothingRecognisable) {
  EXPECT_EQ(likely_cause_of_bad_length(header(0x00, 0x30, 0x00, 0x01), 1024), "");
  EXPECT_EQ(likely_cause_of_bad_length("abc", 1024), "");  // fewer than 4 bytes
}

}  // namespace
}  // namespace archbench::framing
