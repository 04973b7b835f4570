#include "clients/load/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace archbench::load {
namespace {

// The nearest-rank percentile of sorted samples: the value the histogram approximates.
std::uint64_t exact_percentile(const std::vector<std::uint64_t>& sorted, double p) {
  // The same tolerance as the histogram: 99.9% of 200000 is rank 199800, although
  // 99.9 / 100 * 200000 computes to 199800.00000000003 in binary.
  const double exact = p / 100.0 * static_cast<double>(sorted.size());
  const auto rank = static_cast<std::size_t>(std::ceil(exact - 1e-9 * exact));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

// The contract: never below the exact answer, and above it by less than 1/1024 of it (3
// significant digits with 2048 sub-buckets), or by nothing below 2048.
void expect_accurate(const Histogram& h, std::vector<std::uint64_t> samples) {
  std::sort(samples.begin(), samples.end());
  for (double p : {0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0}) {
    const std::uint64_t exact = exact_percentile(samples, p);
    const std::uint64_t got = h.value_at_percentile(p);
    EXPECT_GE(got, exact) << "p" << p;
    EXPECT_LE(static_cast<double>(got), exact + exact / 1024.0) << "p" << p;
  }
}

TEST(HistogramTest, LayoutFor3DigitsFrom1UsTo1Hour) {
  Histogram h;
  EXPECT_EQ(h.sub_bucket_count(), 2048);
  EXPECT_EQ(h.bucket_count(), 22);  // 2048 * 2^21 > 3.6e9 >= 2048 * 2^20
  Histogram two(2);
  EXPECT_EQ(two.sub_bucket_count(), 256);
}

TEST(HistogramTest, SmallValuesAreExact) {
  Histogram h;
  for (std::uint64_t v = 0; v < 2048; ++v) {
    EXPECT_EQ(h.lowest_equivalent(v), v);
    EXPECT_EQ(h.highest_equivalent(v), v);
  }
}

TEST(HistogramTest, BucketsTileTheRangeWithBoundedWidth) {
  Histogram h;
  std::uint64_t v = 0;
  while (v < kOneHourUs) {
    const std::uint64_t low = h.lowest_equivalent(v);
    const std::uint64_t high = h.highest_equivalent(v);
    ASSERT_EQ(low, v) << "buckets must start where the previous one ended";
    ASSERT_GE(high, low);
    ASSERT_LE(static_cast<double>(high - low + 1), std::max(1.0, low / 1024.0)) << v;
    v = high + 1;
  }
}

TEST(HistogramTest, UniformSamplesMatchExactPercentiles) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::uint64_t> dist(1, 1'000'000);
  Histogram h;
  std::vector<std::uint64_t> samples;
  for (int i = 0; i < 100'000; ++i) {
    samples.push_back(dist(rng));
    h.record(samples.back());
  }
  expect_accurate(h, samples);
}

TEST(HistogramTest, LogNormalLatenciesMatchExactPercentiles) {
  // A latency-shaped distribution: most values around 100 us, a tail to seconds.
  std::mt19937_64 rng(11);
  std::lognormal_distribution<double> dist(std::log(100.0), 1.5);
  Histogram h;
  std::vector<std::uint64_t> samples;
  for (int i = 0; i < 200'000; ++i) {
    samples.push_back(static_cast<std::uint64_t>(dist(rng)) + 1);
    h.record(samples.back());
  }
  expect_accurate(h, samples);
}

TEST(HistogramTest, KnownSmallSetGivesNearestRank) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.value_at_percentile(50), 50u);
  EXPECT_EQ(h.value_at_percentile(90), 90u);
  EXPECT_EQ(h.value_at_percentile(99), 99u);
  EXPECT_EQ(h.value_at_percentile(99.5), 100u);
  EXPECT_EQ(h.value_at_percentile(100), 100u);
  EXPECT_EQ(h.value_at_percentile(0), 1u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 100u);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
  EXPECT_NEAR(h.stddev(), 28.866, 0.001);  // population sd of 1..100
}

TEST(HistogramTest, MeanAndStddevAreExactForLargeValues) {
  Histogram h;
  h.record(1'000'000, 3);
  h.record(3'000'000);
  EXPECT_DOUBLE_EQ(h.mean(), 1'500'000.0);
  EXPECT_NEAR(h.stddev(), 866'025.4, 0.1);
  EXPECT_EQ(h.total_count(), 4u);
}

TEST(HistogramTest, MergeEqualsRecordingEverythingInOne) {
  std::mt19937_64 rng(3);
  std::exponential_distribution<double> dist(1.0 / 5000);
  Histogram a, b, all;
  for (int i = 0; i < 50'000; ++i) {
    const auto v = static_cast<std::uint64_t>(dist(rng));
    (i % 2 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.total_count(), all.total_count());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_NEAR(a.mean(), all.mean(), 1e-6);
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    EXPECT_EQ(a.value_at_percentile(p), all.value_at_percentile(p));
  }
}

TEST(HistogramTest, MergeOfDifferentLayoutsIsRefused) {
  Histogram three(3), two(2);
  EXPECT_THROW(three.merge(two), std::invalid_argument);
}

TEST(HistogramTest, ValuesOverOneHourSaturateAndAreCounted) {
  Histogram h;
  h.record(5);
  h.record(kOneHourUs * 2);
  EXPECT_EQ(h.total_count(), 2u);
  EXPECT_EQ(h.saturated(), 1u);
  EXPECT_EQ(h.max(), kOneHourUs);
  EXPECT_EQ(h.value_at_percentile(100), kOneHourUs);
}

TEST(HistogramTest, BadLayoutsAreRefused) {
  EXPECT_THROW(Histogram(0), std::invalid_argument);
  EXPECT_THROW(Histogram(6), std::invalid_argument);
  EXPECT_THROW(Histogram(3, 1), std::invalid_argument);
}

TEST(HistogramTest, EmptyHistogramAnswersZero) {
  Histogram h;
  EXPECT_EQ(h.value_at_percentile(50), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_TRUE(h.percentile_spectrum(5).empty());
}

TEST(HistogramTest, ResetForgetsEverything) {
  Histogram h;
  h.record(42, 10);
  h.reset();
  EXPECT_EQ(h.total_count(), 0u);
  EXPECT_EQ(h.value_at_percentile(50), 0u);
  h.record(7);
  EXPECT_EQ(h.min(), 7u);
}

TEST(HistogramTest, SpectrumLevelsGetDenserTowardsTheTail) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 10'000; ++v) h.record(v);
  const auto rows = h.percentile_spectrum(5);
  ASSERT_GT(rows.size(), 10u);
  // The first levels step by 10% (5 ticks per half distance), then 5%, 2.5%, ...
  EXPECT_DOUBLE_EQ(rows[0].percentile, 0.0);
  EXPECT_DOUBLE_EQ(rows[1].percentile, 10.0);
  EXPECT_DOUBLE_EQ(rows[5].percentile, 50.0);
  EXPECT_DOUBLE_EQ(rows[6].percentile, 55.0);
  // 5000 shares a bucket of width 4 with 5001..5003: the row reports the bucket's top.
  EXPECT_EQ(rows[5].value, 5003u);
  EXPECT_EQ(rows[5].total_count, 5003u);
  EXPECT_DOUBLE_EQ(rows.back().percentile, 100.0);
  EXPECT_EQ(rows.back().value, 10'000u);
  EXPECT_EQ(rows.back().total_count, 10'000u);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    EXPECT_GE(rows[i].percentile, rows[i - 1].percentile);
    EXPECT_GE(rows[i].value, rows[i - 1].value);
  }
}

TEST(HistogramTest, CountBetweenCountsBuckets) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.count_between(10, 19), 10u);
  EXPECT_EQ(h.count_between(0, 1000), 100u);
}

}  // namespace
}  // namespace archbench::load
