// The open-loop schedule and the run plan's admission rule, on fixed time points.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "clients/load/run_plan.h"
#include "clients/load/schedule.h"

namespace archbench::load {
namespace {

using std::chrono::milliseconds;

TEST(ScheduleTest, ClosedLoopIntendsNow) {
  Schedule closed;
  const TimePoint now = Clock::now();
  EXPECT_FALSE(closed.open_loop());
  EXPECT_EQ(closed.next(now), now);
}

TEST(ScheduleTest, ConnectionsInterleaveEvenlyAtTheTotalRate) {
  // 1000 req/s over 4 connections: each every 4 ms, offset by 1 ms from its neighbour.
  const TimePoint t0{};
  std::vector<Schedule> schedules;
  for (int i = 0; i < 4; ++i) schedules.emplace_back(1000.0, 4, i, t0);
  std::vector<TimePoint> all;
  for (auto& s : schedules) {
    for (int k = 0; k < 5; ++k) {
      all.push_back(s.next(t0));
      s.advance();
    }
  }
  std::sort(all.begin(), all.end());
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::microseconds>(all[i] - t0).count(),
              static_cast<long>(i * 1000))
        << i;
  }
}

TEST(ScheduleTest, RateBelowTheConnectionCountStillSpreads) {
  // 2 req/s over 10 connections: each connection every 5 s, starts 0.5 s apart.
  const TimePoint t0{};
  Schedule third(2.0, 10, 3, t0);
  EXPECT_EQ(third.next(t0) - t0, milliseconds(1500));
  third.advance();
  EXPECT_EQ(third.next(t0) - t0, milliseconds(6500));
}

TEST(ScheduleTest, NoDriftAfterManySteps) {
  const TimePoint t0{};
  Schedule s(3.0, 1, 0, t0);  // 333.33... ms: adding rounded steps would drift
  for (int k = 0; k < 3000; ++k) s.advance();
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(s.next(t0) - t0).count(), 1'000'000);
}

Options timed(double warmup, double duration) {
  Options o;
  o.port = 1;
  o.warmup_s = warmup;
  o.duration_s = duration;
  o.timeout_ms = 100;
  return o;
}

TEST(RunPlanTest, WarmupThenMeasuredThenClosed) {
  const TimePoint t0{};
  RunPlan plan(timed(1, 2), t0);
  EXPECT_EQ(plan.measure_start() - t0, std::chrono::seconds(1));
  EXPECT_EQ(plan.measure_end() - t0, std::chrono::seconds(3));
  EXPECT_EQ(plan.hard_stop() - t0, milliseconds(3000 + 100 + 1000));
  EXPECT_EQ(plan.admit(t0 + milliseconds(500)), RunPlan::Admission::kWarmup);
  EXPECT_EQ(plan.admit(t0 + milliseconds(1000)), RunPlan::Admission::kMeasured);
  EXPECT_EQ(plan.admit(t0 + milliseconds(2999)), RunPlan::Admission::kMeasured);
  EXPECT_EQ(plan.admit(t0 + milliseconds(3000)), RunPlan::Admission::kClosed);
  EXPECT_FALSE(plan.closed(t0 + milliseconds(2999)));
  EXPECT_TRUE(plan.closed(t0 + milliseconds(3000)));
}

TEST(RunPlanTest, RequestModeHandsOutExactlyNTickets) {
  Options o = timed(0, 0);
  o.requests = 3;
  const TimePoint t0{};
  RunPlan plan(o, t0);
  EXPECT_EQ(plan.measure_end(), TimePoint::max());
  int measured = 0;
  for (int i = 0; i < 10; ++i) {
    if (plan.admit(t0 + milliseconds(i)) == RunPlan::Admission::kMeasured) ++measured;
  }
  EXPECT_EQ(measured, 3);
  EXPECT_TRUE(plan.closed(t0));
}

TEST(RunPlanTest, StopClosesAtOnce) {
  const TimePoint t0{};
  RunPlan plan(timed(0, 10), t0);
  plan.stop();
  EXPECT_TRUE(plan.closed(t0));
  EXPECT_EQ(plan.admit(t0), RunPlan::Admission::kClosed);
}

}  // namespace
}  // namespace archbench::load
