#include "protocols/framing/eof_framer.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace archbench::framing {
namespace {

using Status = EofFramer::Status;

// Feeds `reads` one after the other and returns every message the framer produced.
std::vector<std::string> split(EofFramer& framer, const std::vector<std::string>& reads) {
  std::vector<std::string> messages;
  for (const std::string& read : reads) {
    framer.append(read);
    for (;;) {
      const EofFramer::Result result = framer.next();
      if (result.status != Status::kMessage) break;
      messages.emplace_back(result.message);
    }
  }
  return messages;
}

TEST(EofFramerTest, OneMessageIncludesTheDelimiter) {
  EofFramer framer("\r\n", 100);
  EXPECT_EQ(split(framer, {"hello\r\n"}), std::vector<std::string>{"hello\r\n"});
  EXPECT_EQ(framer.buffered(), 0u);
}

TEST(EofFramerTest, ManyMessagesInOneReadStaySeparate) {
  EofFramer framer("\r\n", 100);
  EXPECT_EQ(split(framer, {"a\r\nbb\r\n\r\nccc\r\ntail"}),
            (std::vector<std::string>{"a\r\n", "bb\r\n", "\r\n", "ccc\r\n"}));
  EXPECT_EQ(framer.buffered(), 4u);  // "tail" waits for its delimiter
}

TEST(EofFramerTest, DelimiterAloneIsAnEmptyMessage) {
  EofFramer framer("\r\n", 100);
  EXPECT_EQ(split(framer, {"\r\n\r\n"}), (std::vector<std::string>{"\r\n", "\r\n"}));
}

TEST(EofFramerTest, NoMessageUntilTheDelimiterArrives) {
  EofFramer framer("\r\n", 100);
  framer.append("partial");
  EXPECT_EQ(framer.next().status, Status::kNeedMore);
  framer.append(" more\r");
  EXPECT_EQ(framer.next().status, Status::kNeedMore);
  framer.append("\n");
  const EofFramer::Result result = framer.next();
  ASSERT_EQ(result.status, Status::kMessage);
  EXPECT_EQ(result.message, "partial more\r\n");
}

TEST(EofFramerTest, OneByteAtATime) {
  const std::string input = "one\r\ntwo\r\n\r\nthree\r\n";
  std::vector<std::string> reads;
  for (char c : input) reads.emplace_back(1, c);
  EofFramer framer("\r\n", 100);
  EXPECT_EQ(split(framer, reads),
            (std::vector<std::string>{"one\r\n", "two\r\n", "\r\n", "three\r\n"}));
}

TEST(EofFramerTest, EveryPairOfSplitPositionsGivesTheSameMessages) {
  const std::string input = "ab\r\n\r\ncd\re\r\n";
  const std::vector<std::string> expected{"ab\r\n", "\r\n", "cd\re\r\n"};
  for (std::size_t i = 0; i <= input.size(); ++i) {
    for (std::size_t j = i; j <= input.size(); ++j) {
      EofFramer framer("\r\n", 100);
      const auto messages =
          split(framer, {input.substr(0, i), input.substr(i, j - i), input.substr(j)});
      EXPECT_EQ(messages, expected) << "split at " << i << " and " << j;
    }
  }
}

TEST(EofFramerTest, MultiByteDelimiterSplitAtEveryPosition) {
  const std::string input = "first<END>second<EN<END><END>";
  const std::vector<std::string> expected{"first<END>", "second<EN<END>", "<END>"};
  for (std::size_t i = 0; i <= input.size(); ++i) {
    EofFramer framer("<END>", 100);
    EXPECT_EQ(split(framer, {input.substr(0, i), input.substr(i)}), expected) << "split at " << i;
  }
}

TEST(EofFramerTest, MultiByteDelimiterOneByteAtATime) {
  const std::string input = "x\r\n\r\ny\r\n\r\n";
  std::vector<std::string> reads;
  for (char c : input) reads.emplace_back(1, c);
  EofFramer framer("\r\n\r\n", 100);
  EXPECT_EQ(split(framer, reads), (std::vector<std::string>{"x\r\n\r\n", "y\r\n\r\n"}));
}

TEST(EofFramerTest, SelfOverlappingDelimiterFoundAcrossReads) {
  // "aab" inside "aaab": a naive resume point after "aa" would miss it.
  EofFramer framer("aab", 100);
  EXPECT_EQ(split(framer, {"a", "a", "a", "b"}), std::vector<std::string>{"aaab"});
  EofFramer framer2("aab", 100);
  EXPECT_EQ(split(framer2, {"aa", "ab"}), std::vector<std::string>{"aaab"});
}

TEST(EofFramerTest, SingleByteDelimiter) {
  EofFramer framer("\n", 100);
  EXPECT_EQ(split(framer, {"a\nb", "c\n\n"}), (std::vector<std::string>{"a\n", "bc\n", "\n"}));
}

TEST(EofFramerTest, MessageExactlyAtTheLimitIsAccepted) {
  EofFramer framer("\r\n", 8);
  EXPECT_EQ(split(framer, {"123456\r\n"}), std::vector<std::string>{"123456\r\n"});
}

TEST(EofFramerTest, MessageOneOverTheLimitIsRejectedWithItsExactLength) {
  EofFramer framer("\r\n", 8);
  framer.append("1234567\r\n");
  const EofFramer::Result result = framer.next();
  ASSERT_EQ(result.status, Status::kTooLong);
  EXPECT_TRUE(result.complete);
  EXPECT_EQ(result.message, "1234567\r\n");
}

TEST(EofFramerTest, RejectedAsSoonAsTheLimitIsReachedWithoutDelimiter) {
  EofFramer framer("\r\n", 8);
  // 7 bytes without a delimiter: one more byte could still complete a message of 8 (had they
  // ended in "\r"), so the framer waits. It only counts; it does not guess from the content.
  framer.append("1234567");
  EXPECT_EQ(framer.next().status, Status::kNeedMore);
  framer.append("8");
  const EofFramer::Result result = framer.next();
  ASSERT_EQ(result.status, Status::kTooLong);
  EXPECT_FALSE(result.complete);
  EXPECT_EQ(result.message, "12345678");
}

TEST(EofFramerTest, MessagesBeforeTheOversizedOneAreStillReturned) {
  EofFramer framer("\r\n", 8);
  framer.append("ok\r\n\r\nway too long here\r\nnever\r\n");
  EXPECT_EQ(framer.next().message, "ok\r\n");
  EXPECT_EQ(framer.next().message, "\r\n");
  EXPECT_EQ(framer.next().status, Status::kTooLong);
}

TEST(EofFramerTest, FailureIsFinal) {
  EofFramer framer("\n", 4);
  framer.append("abcdef\n");
  const EofFramer::Result first = framer.next();
  ASSERT_EQ(first.status, Status::kTooLong);
  framer.append("ok\n");  // ignored
  const EofFramer::Result again = framer.next();
  EXPECT_EQ(again.status, Status::kTooLong);
  EXPECT_EQ(again.message, "abcdef\n");
}

TEST(EofFramerTest, RejectsAnEmptyDelimiter) {
  EXPECT_THROW(EofFramer("", 10), std::invalid_argument);
}

TEST(EofFramerTest, RejectsALimitShorterThanTheDelimiter) {
  EXPECT_THROW(EofFramer("\r\n", 1), std::invalid_argument);
  EofFramer smallest("\r\n", 2);  // only the empty message fits, which is fine
  EXPECT_EQ(split(smallest, {"\r\n"}), std::vector<std::string>{"\r\n"});
}

TEST(EofFramerTest, LongMessageInManySmallReadsKeepsItsBytes) {
  std::string body;
  for (int i = 0; i < 100000; ++i) body.push_back(static_cast<char>('a' + i % 26));
  EofFramer framer("\r\n", 1 << 20);
  std::vector<std::string> reads;
  const std::string input = body + "\r\n";
  for (std::size_t i = 0; i < input.size(); i += 4096) reads.push_back(input.substr(i, 4096));
  EXPECT_EQ(split(framer, reads), std::vector<std::string>{input});
}

}  // namespace
}  // namespace archbench::framing
