#include "protocols/timer/timer_command.h"

#include <gtest/gtest.h>

#include <string>

namespace archbench::timer {
namespace {

// The ERR reason for `line`, or "" when it parsed.
std::string error_of(std::string_view line) {
  const TimerCommand command = parse_timer_command(line);
  if (const auto* error = std::get_if<CommandError>(&command)) return error->reason;
  return "";
}

TEST(TimerCommandTest, After) {
  const TimerCommand command = parse_timer_command("AFTER 250 job-1");
  const auto* after = std::get_if<AfterCommand>(&command);
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->ms, 250u);
  EXPECT_EQ(after->id, "job-1");
}

TEST(TimerCommandTest, Tick) {
  const TimerCommand command = parse_timer_command("TICK 10 3 t");
  const auto* tick = std::get_if<TickCommand>(&command);
  ASSERT_NE(tick, nullptr);
  EXPECT_EQ(tick->ms, 10u);
  EXPECT_EQ(tick->count, 3u);
  EXPECT_EQ(tick->id, "t");
}

TEST(TimerCommandTest, Cancel) {
  const TimerCommand command = parse_timer_command("CANCEL t");
  const auto* cancel = std::get_if<CancelCommand>(&command);
  ASSERT_NE(cancel, nullptr);
  EXPECT_EQ(cancel->id, "t");
}

TEST(TimerCommandTest, BlanksAroundAndBetweenFieldsAreAccepted) {
  const TimerCommand command = parse_timer_command("  AFTER \t 5   x  ");
  const auto* after = std::get_if<AfterCommand>(&command);
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->ms, 5u);
  EXPECT_EQ(after->id, "x");
}

TEST(TimerCommandTest, RangeBoundariesAreAccepted) {
  EXPECT_EQ(error_of("AFTER 0 a"), "");
  EXPECT_EQ(error_of("AFTER 86400000 a"), "");
  EXPECT_EQ(error_of("TICK 1 1 a"), "");
  EXPECT_EQ(error_of("TICK 86400000 1000000 a"), "");
  EXPECT_EQ(error_of("AFTER 007 a"), "");  // leading zeros are still decimal
  EXPECT_EQ(error_of("CANCEL " + std::string(64, 'i')), "");
}

TEST(TimerCommandTest, EmptyAndBlankLines) {
  EXPECT_EQ(error_of(""), "empty line");
  EXPECT_EQ(error_of(" \t "), "empty line");
}

TEST(TimerCommandTest, UnknownVerbIsQuotedAndEscaped) {
  EXPECT_EQ(error_of("STOP x"), "unknown command \"STOP\"");
  EXPECT_EQ(error_of("after 5 x"), "unknown command \"after\"");  // verbs are upper case
  EXPECT_EQ(error_of(std::string("\x01\xff", 2)), "unknown command \"\\x01\\xff\"");
}

TEST(TimerCommandTest, MissingFields) {
  EXPECT_EQ(error_of("AFTER 5"), "missing field: AFTER <ms> <id>");
  EXPECT_EQ(error_of("AFTER"), "missing field: AFTER <ms> <id>");
  EXPECT_EQ(error_of("TICK 5 2"), "missing field: TICK <ms> <count> <id>");
  EXPECT_EQ(error_of("CANCEL"), "missing field: CANCEL <id>");
}

TEST(TimerCommandTest, ExtraFields) {
  EXPECT_EQ(error_of("AFTER 5 x y"), "extra field: AFTER <ms> <id>");
  EXPECT_EQ(error_of("TICK 5 2 x y z w"), "extra field: TICK <ms> <count> <id>");
  EXPECT_EQ(error_of("CANCEL x y"), "extra field: CANCEL <id>");
}

TEST(TimerCommandTest, BadNumbers) {
  EXPECT_EQ(error_of("AFTER abc x"), "bad number \"abc\" for ms");
  EXPECT_EQ(error_of("AFTER -5 x"), "bad number \"-5\" for ms");
  EXPECT_EQ(error_of("AFTER +5 x"), "bad number \"+5\" for ms");
  EXPECT_EQ(error_of("AFTER 1.5 x"), "bad number \"1.5\" for ms");
  EXPECT_EQ(error_of("AFTER 0x10 x"), "bad number \"0x10\" for ms");
  EXPECT_EQ(error_of("TICK 5 two x"), "bad number \"two\" for count");
}

TEST(TimerCommandTest, MsOutOfRange) {
  EXPECT_EQ(error_of("AFTER 86400001 x"), "ms out of range 0..86400000");
  EXPECT_EQ(error_of("AFTER 99999999999999999999999 x"), "ms out of range 0..86400000");
  EXPECT_EQ(error_of("TICK 0 3 x"), "ms out of range 1..86400000");
  EXPECT_EQ(error_of("TICK 86400001 3 x"), "ms out of range 1..86400000");
}

TEST(TimerCommandTest, CountOutOfRange) {
  EXPECT_EQ(error_of("TICK 5 0 x"), "count out of range 1..1000000");
  EXPECT_EQ(error_of("TICK 5 1000001 x"), "count out of range 1..1000000");
}

TEST(TimerCommandTest, BadIds) {
  const std::string expected = "bad id: 1..64 printable ASCII bytes without blanks";
  EXPECT_EQ(error_of("AFTER 5 " + std::string(65, 'i')), expected);
  EXPECT_EQ(error_of(std::string("AFTER 5 a\x01", 10)), expected);
  EXPECT_EQ(error_of("CANCEL caf\xc3\xa9"), expected);
  EXPECT_EQ(error_of("TICK 5 1 a\rb"), expected);
}

}  // namespace
}  // namespace archbench::timer
