#include "servers/core/deadline_heap.h"

#include <gtest/gtest.h>

namespace archbench {
namespace {

using std::chrono::milliseconds;

const TimePoint t0 = Clock::now();

TEST(DeadlineHeapTest, EmptyHasNoDeadline) {
  DeadlineHeap heap;
  EXPECT_FALSE(heap.earliest().has_value());
  EXPECT_TRUE(heap.pop_due(t0 + milliseconds(1000)).empty());
}

TEST(DeadlineHeapTest, PopsDueKeysEarliestFirst) {
  DeadlineHeap heap;
  heap.schedule(3, t0 + milliseconds(30));
  heap.schedule(1, t0 + milliseconds(10));
  heap.schedule(2, t0 + milliseconds(20));
  EXPECT_EQ(heap.earliest(), t0 + milliseconds(10));
  EXPECT_EQ(heap.pop_due(t0 + milliseconds(20)), (std::vector<int>{1, 2}));
  EXPECT_EQ(heap.earliest(), t0 + milliseconds(30));
  EXPECT_EQ(heap.live(), 1u);
  EXPECT_TRUE(heap.pop_due(t0 + milliseconds(29)).empty());
  EXPECT_EQ(heap.pop_due(t0 + milliseconds(30)), std::vector<int>{3});
  EXPECT_EQ(heap.live(), 0u);
}

TEST(DeadlineHeapTest, RescheduleReplacesTheOldDeadline) {
  DeadlineHeap heap;
  heap.schedule(1, t0 + milliseconds(10));
  heap.schedule(1, t0 + milliseconds(50));  // later
  heap.schedule(2, t0 + milliseconds(20));
  EXPECT_EQ(heap.earliest(), t0 + milliseconds(20));
  EXPECT_EQ(heap.pop_due(t0 + milliseconds(40)), std::vector<int>{2});
  heap.schedule(1, t0 + milliseconds(5));  // earlier
  EXPECT_EQ(heap.pop_due(t0 + milliseconds(5)), std::vector<int>{1});
  EXPECT_FALSE(heap.earliest().has_value());
}

TEST(DeadlineHeapTest, NulloptAndForgetDropTheKey) {
  DeadlineHeap heap;
  heap.schedule(1, t0 + milliseconds(10));
  heap.schedule(2, t0 + milliseconds(20));
  heap.schedule(1, std::nullopt);
  heap.forget(2);
  EXPECT_FALSE(heap.earliest().has_value());
  EXPECT_TRUE(heap.pop_due(t0 + milliseconds(100)).empty());
  // A forgotten key can be reused (a new connection on the same fd).
  heap.schedule(2, t0 + milliseconds(30));
  EXPECT_EQ(heap.pop_due(t0 + milliseconds(100)), std::vector<int>{2});
}

TEST(DeadlineHeapTest, ManyReschedulesStayCorrectAndCompact) {
  DeadlineHeap heap;
  for (int round = 0; round < 1000; ++round) {
    for (int key = 0; key < 10; ++key) heap.schedule(key, t0 + milliseconds(1000 + round + key));
  }
  EXPECT_EQ(heap.live(), 10u);
  EXPECT_EQ(heap.earliest(), t0 + milliseconds(1999));
  std::vector<int> due = heap.pop_due(t0 + milliseconds(5000));
  EXPECT_EQ(due, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

}  // namespace
}  // namespace archbench
