#include "protocols/timer/timer_set.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <stdexcept>
#include <tuple>
#include <vector>

namespace archbench::timer {
namespace {

using std::chrono::milliseconds;

const TimePoint kStart{};  // the simulated clock's zero

TimePoint at(int ms) { return kStart + milliseconds(ms); }

std::vector<Fired> pop(TimerSet& set, TimePoint now) {
  std::vector<Fired> fired;
  set.pop_due(now, fired);
  return fired;
}

std::vector<TimerId> ids_of(const std::vector<Fired>& fired) {
  std::vector<TimerId> ids;
  for (const Fired& f : fired) ids.push_back(f.id);
  return ids;
}

TEST(TimerSetTest, EmptySetHasNoDeadlineAndFiresNothing) {
  TimerSet set;
  EXPECT_FALSE(set.next_deadline().has_value());
  EXPECT_TRUE(pop(set, at(1'000'000)).empty());
  EXPECT_TRUE(set.empty());
}

TEST(TimerSetTest, AfterFiresAtItsDeadlineNotBefore) {
  TimerSet set;
  const TimerId id = set.after(at(0), milliseconds(100), 42);
  EXPECT_EQ(set.next_deadline(), at(100));
  EXPECT_TRUE(pop(set, at(99)).empty());
  const auto fired = pop(set, at(100));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].id, id);
  EXPECT_EQ(fired[0].tag, 42u);
  EXPECT_EQ(fired[0].ordinal, 1u);
  EXPECT_EQ(fired[0].deadline, at(100));
  EXPECT_TRUE(fired[0].last);
  EXPECT_FALSE(set.active(id));
  EXPECT_FALSE(set.next_deadline().has_value());
}

TEST(TimerSetTest, FiresInDeadlineOrderWhateverTheSchedulingOrder) {
  TimerSet set;
  const TimerId c = set.after(at(0), milliseconds(30));
  const TimerId a = set.after(at(0), milliseconds(10));
  const TimerId b = set.after(at(5), milliseconds(15));  // due at 20
  EXPECT_EQ(set.next_deadline(), at(10));
  EXPECT_EQ(ids_of(pop(set, at(100))), (std::vector<TimerId>{a, b, c}));
}

TEST(TimerSetTest, EqualDeadlinesFireInSchedulingOrder) {
  TimerSet set;
  std::vector<TimerId> scheduled;
  for (int i = 0; i < 5; ++i) scheduled.push_back(set.after(at(0), milliseconds(10)));
  EXPECT_EQ(ids_of(pop(set, at(10))), scheduled);
}

TEST(TimerSetTest, NegativeAndZeroDelaysAreDueAtOnce) {
  TimerSet set;
  set.after(at(50), milliseconds(-20));
  set.after(at(50), milliseconds(0));
  EXPECT_EQ(set.next_deadline(), at(50));
  EXPECT_EQ(pop(set, at(50)).size(), 2u);
}

TEST(TimerSetTest, CancelledTimerNeverFires) {
  TimerSet set;
  const TimerId a = set.after(at(0), milliseconds(10));
  const TimerId b = set.after(at(0), milliseconds(20));
  EXPECT_TRUE(set.cancel(a));
  EXPECT_FALSE(set.active(a));
  EXPECT_EQ(set.next_deadline(), at(20));  // the top moved past the cancelled entry
  EXPECT_EQ(ids_of(pop(set, at(100))), std::vector<TimerId>{b});
}

TEST(TimerSetTest, CancelTwiceUnknownOrFinishedIsFalse) {
  TimerSet set;
  const TimerId a = set.after(at(0), milliseconds(10));
  EXPECT_TRUE(set.cancel(a));
  EXPECT_FALSE(set.cancel(a));
  EXPECT_FALSE(set.cancel(12345));
  EXPECT_FALSE(set.cancel(kNoTimer));
  const TimerId b = set.after(at(0), milliseconds(10));
  pop(set, at(10));
  EXPECT_FALSE(set.cancel(b));
}

TEST(TimerSetTest, CancellingTheOnlyTimerClearsTheDeadline) {
  TimerSet set;
  const TimerId a = set.after(at(0), milliseconds(10));
  set.cancel(a);
  EXPECT_FALSE(set.next_deadline().has_value());
  EXPECT_EQ(set.heap_entries(), 0u);
}

TEST(TimerSetTest, IdsAreUniqueAndNeverReused) {
  TimerSet set;
  const TimerId a = set.after(at(0), milliseconds(1));
  set.cancel(a);
  const TimerId b = set.after(at(0), milliseconds(1));
  EXPECT_NE(a, kNoTimer);
  EXPECT_NE(a, b);
  EXPECT_FALSE(set.cancel(a));  // the stale id cannot touch the new timer
  EXPECT_TRUE(set.active(b));
}

TEST(TimerSetTest, TickFiresCountTimesAtStartPlusKIntervals) {
  TimerSet set;
  const TimerId id = set.tick(at(0), milliseconds(50), 3, 7);
  std::vector<std::tuple<std::uint64_t, TimePoint, bool>> seen;
  while (auto deadline = set.next_deadline()) {
    for (const Fired& f : pop(set, *deadline)) {
      EXPECT_EQ(f.id, id);
      EXPECT_EQ(f.tag, 7u);
      seen.emplace_back(f.ordinal, f.deadline, f.last);
    }
  }
  EXPECT_EQ(seen, (std::vector<std::tuple<std::uint64_t, TimePoint, bool>>{
                      {1, at(50), false}, {2, at(100), false}, {3, at(150), true}}));
  EXPECT_FALSE(set.active(id));
}

TEST(TimerSetTest, TicksDoNotDriftWhenEachPopIsLate) {
  TimerSet set;
  set.tick(at(0), milliseconds(10), 5);
  // The loop wakes 7 ms late every time; deadlines stay on the 10 ms grid.
  std::vector<TimePoint> deadlines;
  for (int wake : {17, 27, 37, 47, 57}) {
    for (const Fired& f : pop(set, at(wake))) deadlines.push_back(f.deadline);
    if (auto next = set.next_deadline()) {
      EXPECT_EQ((*next - kStart) % milliseconds(10), milliseconds(0));
    }
  }
  EXPECT_EQ(deadlines, (std::vector<TimePoint>{at(10), at(20), at(30), at(40), at(50)}));
}

TEST(TimerSetTest, VeryLateLoopFiresEachDueTickOnceInOrder) {
  TimerSet set;
  const TimerId fast = set.tick(at(0), milliseconds(10), 4);
  const TimerId slow = set.after(at(0), milliseconds(25));
  const auto fired = pop(set, at(100));
  std::vector<std::pair<TimerId, std::uint64_t>> order;
  for (const Fired& f : fired) order.emplace_back(f.id, f.ordinal);
  EXPECT_EQ(order, (std::vector<std::pair<TimerId, std::uint64_t>>{
                       {fast, 1}, {fast, 2}, {slow, 1}, {fast, 3}, {fast, 4}}));
  EXPECT_TRUE(fired.back().last);
  EXPECT_TRUE(set.empty());
}

TEST(TimerSetTest, LateLoopCatchesUpOnlyWhatIsDue) {
  TimerSet set;
  set.tick(at(0), milliseconds(10), 10);
  EXPECT_EQ(pop(set, at(35)).size(), 3u);  // ticks at 10, 20, 30
  EXPECT_EQ(set.next_deadline(), at(40));
}

TEST(TimerSetTest, ForeverTickRunsUntilCancelled) {
  TimerSet set;
  const TimerId id = set.tick(at(0), milliseconds(1), kForever);
  const auto fired = pop(set, at(1000));
  ASSERT_EQ(fired.size(), 1000u);
  EXPECT_EQ(fired.back().ordinal, 1000u);
  EXPECT_FALSE(fired.back().last);
  EXPECT_EQ(set.next_deadline(), at(1001));
  EXPECT_TRUE(set.cancel(id));
  EXPECT_TRUE(pop(set, at(5000)).empty());
}

TEST(TimerSetTest, CancelATickBetweenFirings) {
  TimerSet set;
  const TimerId id = set.tick(at(0), milliseconds(10), 5);
  EXPECT_EQ(pop(set, at(20)).size(), 2u);
  EXPECT_TRUE(set.cancel(id));
  EXPECT_TRUE(pop(set, at(100)).empty());
  EXPECT_FALSE(set.next_deadline().has_value());
}

TEST(TimerSetTest, TickNeedsAPositiveInterval) {
  TimerSet set;
  EXPECT_THROW(set.tick(at(0), milliseconds(0), 3), std::invalid_argument);
  EXPECT_THROW(set.tick(at(0), milliseconds(-1), kForever), std::invalid_argument);
  EXPECT_TRUE(set.empty());
}

TEST(TimerSetTest, LimitLeavesTheRestDue) {
  TimerSet set;
  for (int i = 0; i < 5; ++i) set.after(at(0), milliseconds(i));
  std::vector<Fired> fired;
  EXPECT_EQ(set.pop_due(at(10), fired, 2), 2u);
  EXPECT_EQ(set.next_deadline(), at(2));  // still due at 10: the loop polls again at once
  EXPECT_EQ(set.pop_due(at(10), fired), 3u);
  EXPECT_EQ(fired.size(), 5u);
}

TEST(TimerSetTest, PopDueAppendsToTheCallersVector) {
  TimerSet set;
  set.after(at(0), milliseconds(1));
  std::vector<Fired> fired(1);
  EXPECT_EQ(set.pop_due(at(1), fired), 1u);
  EXPECT_EQ(fired.size(), 2u);
}

TEST(TimerSetTest, ClearDropsEverything) {
  TimerSet set;
  set.after(at(0), milliseconds(1));
  set.tick(at(0), milliseconds(1), kForever);
  set.clear();
  EXPECT_TRUE(set.empty());
  EXPECT_FALSE(set.next_deadline().has_value());
  EXPECT_TRUE(pop(set, at(100)).empty());
}

TEST(TimerSetTest, CancelledEntriesAreCompactedAway) {
  TimerSet set;
  std::vector<TimerId> ids;
  // The earliest timer stays, so cancelled entries never reach the top on their own.
  set.after(at(0), milliseconds(1));
  for (int i = 0; i < 10'000; ++i) ids.push_back(set.after(at(0), milliseconds(1000 + i)));
  for (TimerId id : ids) set.cancel(id);
  EXPECT_EQ(set.size(), 1u);
  EXPECT_LE(set.heap_entries(), 2 * set.size() + 64);
  EXPECT_EQ(pop(set, at(100'000)).size(), 1u);
}

// A brute-force model: every firing (deadline, scheduling order) listed up front.
TEST(TimerSetTest, MatchesABruteForceModelUnderRandomOperations) {
  std::mt19937 rng(11);
  TimerSet set;
  struct ModelTimer {
    TimePoint start;
    milliseconds interval;
    std::uint64_t count, fired;
  };
  std::map<TimerId, ModelTimer> model;
  int now = 0;
  for (int step = 0; step < 3000; ++step) {
    const int action = std::uniform_int_distribution<int>(0, 9)(rng);
    if (action < 4) {
      const milliseconds delay(std::uniform_int_distribution<int>(0, 50)(rng));
      model[set.after(at(now), delay)] = {at(now), delay, 1, 0};
    } else if (action < 6) {
      const milliseconds interval(std::uniform_int_distribution<int>(1, 20)(rng));
      const auto count = static_cast<std::uint64_t>(std::uniform_int_distribution<int>(1, 6)(rng));
      model[set.tick(at(now), interval, count)] = {at(now), interval, count, 0};
    } else if (action < 7 && !model.empty()) {
      auto it = model.begin();
      std::advance(it, std::uniform_int_distribution<std::size_t>(0, model.size() - 1)(rng));
      EXPECT_TRUE(set.cancel(it->first));
      model.erase(it);
    } else {
      now += std::uniform_int_distribution<int>(0, 30)(rng);
      // Expected: every firing with deadline <= now, by deadline (ties: not compared).
      std::vector<std::tuple<TimePoint, TimerId, std::uint64_t>> expected;
      for (auto& [id, t] : model) {
        while (t.fired < t.count && t.start + t.interval * static_cast<int>(t.fired + 1) <= at(now)) {
          ++t.fired;
          expected.emplace_back(t.start + t.interval * static_cast<int>(t.fired), id, t.fired);
        }
      }
      std::erase_if(model, [](const auto& entry) { return entry.second.fired == entry.second.count; });
      std::vector<std::tuple<TimePoint, TimerId, std::uint64_t>> actual;
      TimePoint previous = kStart;
      for (const Fired& f : pop(set, at(now))) {
        EXPECT_LE(previous, f.deadline);  // earliest first
        previous = f.deadline;
        actual.emplace_back(f.deadline, f.id, f.ordinal);
      }
      std::sort(expected.begin(), expected.end());
      std::sort(actual.begin(), actual.end());
      ASSERT_EQ(actual, expected) << "step " << step;
    }
    ASSERT_EQ(set.size(), model.size());
  }
}

}  // namespace
}  // namespace archbench::timer
