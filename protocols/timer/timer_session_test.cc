#include "protocols/timer/timer_session.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace archbench::timer {
namespace {

using std::chrono::milliseconds;

const TimePoint kStart{};  // the simulated clock's zero

Now now_at(int ms) { return Now{kStart + milliseconds(ms), {}}; }

int ms_of(TimePoint t) {
  return static_cast<int>(std::chrono::duration_cast<milliseconds>(t - kStart).count());
}

// A line the session wrote and the simulated time at which it wrote it.
using Lines = std::vector<std::pair<int, std::string>>;

// A driver on a simulated clock. run_until() is a punctual event loop: it calls on_deadline at
// exactly each next_deadline(). send() first runs the loop up to the send time, like a real
// loop; send_late() skips that, as a loop that has not yet noticed a due deadline.
class SimulatedDriver {
 public:
  SimulatedDriver() : session_(make_timer_session(ProtocolConfig{})) {}

  void run_until(int ms) {
    while (const auto deadline = session_->next_deadline()) {
      if (ms_of(*deadline) > ms) break;
      const int when = ms_of(*deadline);
      SessionOutput out;
      session_->on_deadline(now_at(when), out);
      record(when, out);
    }
  }

  void send(int ms, std::string_view bytes) {
    run_until(ms);
    send_late(ms, bytes);
  }

  void send_late(int ms, std::string_view bytes) {
    SessionOutput out;
    session_->on_bytes(bytes, now_at(ms), out);
    record(ms, out);
  }

  void deadline_late(int ms) {
    SessionOutput out;
    session_->on_deadline(now_at(ms), out);
    record(ms, out);
  }

  void peer_closed(int ms) {
    SessionOutput out;
    session_->on_peer_closed(now_at(ms), out);
    record(ms, out);
  }

  // Lines written so far (and forgets them).
  Lines take() { return std::exchange(lines_, {}); }

  Session& session() { return *session_; }
  bool closed() const { return closed_; }
  const std::string& log() const { return log_; }

 private:
  void record(int ms, const SessionOutput& out) {
    std::size_t at = 0;
    while (at < out.bytes.size()) {
      const std::size_t end = out.bytes.find("\r\n", at);
      ASSERT_NE(end, std::string::npos) << "unterminated output line";
      lines_.emplace_back(ms, out.bytes.substr(at, end + 2 - at));
      at = end + 2;
    }
    if (out.close) {
      EXPECT_FALSE(closed_) << "close requested twice";
      closed_ = true;
    }
    if (!out.log.empty()) log_ = out.log;
  }

  std::unique_ptr<Session> session_;
  Lines lines_;
  bool closed_ = false;
  std::string log_;
};

TEST(TimerSessionTest, AfterFiresAtItsExactTime) {
  SimulatedDriver driver;
  driver.send(0, "AFTER 100 a\r\n");
  driver.run_until(99);
  EXPECT_TRUE(driver.take().empty());
  driver.run_until(1000);
  EXPECT_EQ(driver.take(), (Lines{{100, "FIRED a\r\n"}}));
  EXPECT_FALSE(driver.session().next_deadline().has_value());
}

TEST(TimerSessionTest, TickSendsCountLinesAtTheInterval) {
  SimulatedDriver driver;
  driver.send(0, "TICK 50 3 t\r\n");
  driver.run_until(1000);
  EXPECT_EQ(driver.take(),
            (Lines{{50, "TICK t 1\r\n"}, {100, "TICK t 2\r\n"}, {150, "TICK t 3\r\n"}}));
  EXPECT_FALSE(driver.session().next_deadline().has_value());
}

TEST(TimerSessionTest, BareNewlineFromTheClientIsAccepted) {
  SimulatedDriver driver;
  driver.send(0, "AFTER 10 a\nAFTER 20 b\r\n");
  driver.run_until(100);
  EXPECT_EQ(driver.take(), (Lines{{10, "FIRED a\r\n"}, {20, "FIRED b\r\n"}}));
}

TEST(TimerSessionTest, TimersFromOneReadInterleaveByDeadline) {
  SimulatedDriver driver;
  driver.send(0, "TICK 30 3 t\r\nAFTER 45 a\r\n");
  driver.run_until(1000);
  EXPECT_EQ(driver.take(), (Lines{{30, "TICK t 1\r\n"},
                                  {45, "FIRED a\r\n"},
                                  {60, "TICK t 2\r\n"},
                                  {90, "TICK t 3\r\n"}}));
}

TEST(TimerSessionTest, DelayCountsFromTheReadThatCompletesTheLine) {
  SimulatedDriver driver;
  const std::string line = "AFTER 10 a\r\n";
  for (std::size_t i = 0; i < line.size(); ++i) {
    driver.send(static_cast<int>(i), line.substr(i, 1));  // one byte per millisecond
  }
  driver.run_until(100);
  EXPECT_EQ(driver.take(), (Lines{{21, "FIRED a\r\n"}}));  // the "\n" arrived at 11
}

TEST(TimerSessionTest, EverySplitPositionGivesTheSameOutput) {
  const std::string input = "AFTER 10 a\r\nTICK 5 2 b\nBAD\r\n";
  for (std::size_t i = 0; i <= input.size(); ++i) {
    SimulatedDriver driver;
    driver.send(0, input.substr(0, i));
    driver.send(0, input.substr(i));
    driver.run_until(100);
    EXPECT_EQ(driver.take(), (Lines{{0, "ERR unknown command \"BAD\"\r\n"},
                                    {5, "TICK b 1\r\n"},
                                    {10, "FIRED a\r\n"},
                                    {10, "TICK b 2\r\n"}}))
        << "split at " << i;
  }
}

TEST(TimerSessionTest, CancelStopsATickWithoutAcknowledgement) {
  SimulatedDriver driver;
  driver.send(0, "TICK 10 5 t\r\n");
  driver.send(25, "CANCEL t\r\n");
  driver.run_until(1000);
  EXPECT_EQ(driver.take(), (Lines{{10, "TICK t 1\r\n"}, {20, "TICK t 2\r\n"}}));
  EXPECT_FALSE(driver.session().next_deadline().has_value());
}

TEST(TimerSessionTest, CancelBeforeAnAfterFires) {
  SimulatedDriver driver;
  driver.send(0, "AFTER 10 a\r\nCANCEL a\r\n");
  driver.run_until(1000);
  EXPECT_TRUE(driver.take().empty());
}

TEST(TimerSessionTest, CancelOfAnUnknownIdIsAnError) {
  SimulatedDriver driver;
  driver.send(3, "CANCEL nope\r\n");
  EXPECT_EQ(driver.take(), (Lines{{3, "ERR unknown id nope\r\n"}}));
  EXPECT_FALSE(driver.closed());
}

TEST(TimerSessionTest, CancelAfterTheTimerFiredIsAnErrorAfterItsLine) {
  SimulatedDriver driver;
  driver.send(0, "AFTER 10 a\r\n");
  driver.send(15, "CANCEL a\r\n");
  EXPECT_EQ(driver.take(), (Lines{{10, "FIRED a\r\n"}, {15, "ERR unknown id a\r\n"}}));
}

TEST(TimerSessionTest, CancelArrivingAfterTheDeadlineIsTooLateEvenIfTheLoopIsLate) {
  SimulatedDriver driver;
  driver.send(0, "AFTER 10 a\r\n");
  driver.send_late(15, "CANCEL a\r\n");  // on_deadline was never called at 10
  EXPECT_EQ(driver.take(), (Lines{{15, "FIRED a\r\n"}, {15, "ERR unknown id a\r\n"}}));
}

TEST(TimerSessionTest, DuplicateActiveIdIsAnErrorAndTheFirstTimerStays) {
  SimulatedDriver driver;
  driver.send(0, "AFTER 10 a\r\n");
  driver.send(5, "TICK 1 3 a\r\n");
  driver.run_until(100);
  EXPECT_EQ(driver.take(), (Lines{{5, "ERR duplicate id a\r\n"}, {10, "FIRED a\r\n"}}));
}

TEST(TimerSessionTest, IdIsReusableOnceFinishedOrCancelled) {
  SimulatedDriver driver;
  driver.send(0, "AFTER 10 a\r\nTICK 5 1 b\r\n");
  driver.send(20, "AFTER 10 a\r\nAFTER 1 b\r\nCANCEL a\r\nAFTER 2 a\r\n");
  driver.run_until(100);
  EXPECT_EQ(driver.take(), (Lines{{5, "TICK b 1\r\n"},
                                  {10, "FIRED a\r\n"},
                                  {21, "FIRED b\r\n"},
                                  {22, "FIRED a\r\n"}}));
}

TEST(TimerSessionTest, AfterZeroFiresInTheSameWrite) {
  SimulatedDriver driver;
  driver.send(7, "AFTER 0 now\r\n");
  EXPECT_EQ(driver.take(), (Lines{{7, "FIRED now\r\n"}}));
}

TEST(TimerSessionTest, LateLoopSendsEveryDueTickInOrder) {
  SimulatedDriver driver;
  driver.send(0, "TICK 10 3 t\r\nAFTER 15 a\r\n");
  driver.deadline_late(35);
  EXPECT_EQ(driver.take(), (Lines{{35, "TICK t 1\r\n"},
                                  {35, "FIRED a\r\n"},
                                  {35, "TICK t 2\r\n"},
                                  {35, "TICK t 3\r\n"}}));
}

TEST(TimerSessionTest, LateLoopKeepsTheTickGrid) {
  SimulatedDriver driver;
  driver.send(0, "TICK 10 4 t\r\n");
  driver.deadline_late(17);
  EXPECT_EQ(ms_of(*driver.session().next_deadline()), 20);  // not 27: no drift
  driver.deadline_late(29);
  driver.run_until(100);
  EXPECT_EQ(driver.take(), (Lines{{17, "TICK t 1\r\n"},
                                  {29, "TICK t 2\r\n"},
                                  {30, "TICK t 3\r\n"},
                                  {40, "TICK t 4\r\n"}}));
}

TEST(TimerSessionTest, DeadlineCallWithNothingDueWritesNothing) {
  SimulatedDriver driver;
  driver.send(0, "AFTER 10 a\r\n");
  driver.deadline_late(5);
  EXPECT_TRUE(driver.take().empty());
  EXPECT_EQ(ms_of(*driver.session().next_deadline()), 10);
}

TEST(TimerSessionTest, EveryParseErrorIsAnErrLineAndTheConnectionStaysOpen) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"\r\n", "ERR empty line\r\n"},
      {"   \r\n", "ERR empty line\r\n"},
      {"STOP x\r\n", "ERR unknown command \"STOP\"\r\n"},
      {"after 5 x\r\n", "ERR unknown command \"after\"\r\n"},
      {"AFTER 5\r\n", "ERR missing field: AFTER <ms> <id>\r\n"},
      {"TICK 5 2\r\n", "ERR missing field: TICK <ms> <count> <id>\r\n"},
      {"CANCEL\r\n", "ERR missing field: CANCEL <id>\r\n"},
      {"AFTER 5 x y\r\n", "ERR extra field: AFTER <ms> <id>\r\n"},
      {"AFTER five x\r\n", "ERR bad number \"five\" for ms\r\n"},
      {"AFTER -1 x\r\n", "ERR bad number \"-1\" for ms\r\n"},
      {"TICK 5 x2 x\r\n", "ERR bad number \"x2\" for count\r\n"},
      {"AFTER 86400001 x\r\n", "ERR ms out of range 0..86400000\r\n"},
      {"TICK 0 3 x\r\n", "ERR ms out of range 1..86400000\r\n"},
      {"TICK 5 0 x\r\n", "ERR count out of range 1..1000000\r\n"},
      {"TICK 5 1000001 x\r\n", "ERR count out of range 1..1000000\r\n"},
      {"AFTER 5 " + std::string(65, 'i') + "\r\n",
       "ERR bad id: 1..64 printable ASCII bytes without blanks\r\n"},
      {std::string("AFTER 5 \x7f\r\n"),
       "ERR bad id: 1..64 printable ASCII bytes without blanks\r\n"},
  };
  for (const auto& [line, expected] : cases) {
    SimulatedDriver driver;
    driver.send(1, line + "AFTER 2 ok\r\n");  // a valid command after the error still runs
    driver.run_until(100);
    EXPECT_EQ(driver.take(), (Lines{{1, expected}, {3, "FIRED ok\r\n"}})) << line;
    EXPECT_FALSE(driver.closed()) << line;
  }
}

TEST(TimerSessionTest, TooManyTimersOnOneConnection) {
  SimulatedDriver driver;
  std::string commands;
  for (std::size_t i = 0; i < kMaxTimersPerConnection; ++i) {
    commands += "AFTER 1000 t" + std::to_string(i) + "\r\n";
  }
  commands += "AFTER 5 extra\r\nTICK 1 1 extra2\r\n";
  driver.send(0, commands);
  EXPECT_EQ(driver.take(), (Lines{{0, "ERR too many timers (limit 10000)\r\n"},
                                  {0, "ERR too many timers (limit 10000)\r\n"}}));
  driver.send(10, "CANCEL t0\r\nAFTER 5 extra\r\n");  // a free slot: accepted
  driver.run_until(15);
  EXPECT_EQ(driver.take(), (Lines{{15, "FIRED extra\r\n"}}));
  EXPECT_EQ(static_cast<TimerSession&>(driver.session()).active_timers(),
            kMaxTimersPerConnection - 1);
}

TEST(TimerSessionTest, LineOfExactlyTheLimitIsAccepted) {
  SimulatedDriver driver;
  std::string line = "AFTER 5 x";
  line.resize(kMaxLineLength, ' ');  // trailing blanks are allowed
  driver.send(0, line + "\r\n");
  driver.run_until(100);
  EXPECT_EQ(driver.take(), (Lines{{5, "FIRED x\r\n"}}));
}

TEST(TimerSessionTest, LineOverTheLimitIsRefusedAndClosesTheConnection) {
  for (const std::string terminator : {"\r\n", "\n", ""}) {
    SimulatedDriver driver;
    driver.send(0, "AFTER 5 early\r\n" + std::string(kMaxLineLength + 1, 'A') + terminator +
                       "AFTER 1 late\r\n");
    driver.run_until(100);
    EXPECT_EQ(driver.take(), (Lines{{0, "ERR line too long\r\n"}}));
    EXPECT_TRUE(driver.closed());
    EXPECT_EQ(driver.log(), "timer: a line over 1024 bytes; closing connection");
    EXPECT_FALSE(driver.session().next_deadline().has_value());  // timers dropped
  }
}

TEST(TimerSessionTest, LongLineDetectedAcrossReadsWithoutATerminator) {
  SimulatedDriver driver;
  driver.send(0, std::string(600, 'A'));
  EXPECT_FALSE(driver.closed());
  driver.send(1, std::string(600, 'A'));
  EXPECT_TRUE(driver.closed());
  EXPECT_EQ(driver.take(), (Lines{{1, "ERR line too long\r\n"}}));
}

TEST(TimerSessionTest, InputAfterCloseIsIgnored) {
  SimulatedDriver driver;
  driver.send(0, std::string(2000, 'A'));
  driver.take();
  driver.send(1, "AFTER 0 x\r\n");
  EXPECT_TRUE(driver.take().empty());
}

TEST(TimerSessionTest, PeerCloseClosesAndDropsTimers) {
  SimulatedDriver driver;
  driver.send(0, "TICK 10 100 t\r\nAFTER 5 a\r\n");
  driver.peer_closed(1);
  EXPECT_TRUE(driver.closed());
  EXPECT_FALSE(driver.session().next_deadline().has_value());
  EXPECT_EQ(static_cast<TimerSession&>(driver.session()).active_timers(), 0u);
  driver.deadline_late(1000);
  EXPECT_TRUE(driver.take().empty());
}

}  // namespace
}  // namespace archbench::timer
