// A latency histogram with log-linear buckets: every power-of-two range of values is split into
// the same number of equal sub-buckets, so the relative error of any recorded value is bounded
// (about 1/2^k for 2^(k+1) sub-buckets) while the memory stays a few hundred KiB even for a range
// of 1 µs to 1 h. This is the layout HdrHistogram made popular, written here from its
// description: wrk2's "classic" percentile output refers to its bucket and sub-bucket counts.
//
// Values are integers in the caller's unit (the load generator records microseconds). A value
// above the highest trackable one is recorded as that highest value and counted in saturated();
// nothing is dropped silently.
//
// Thread-safety: none. Each load thread records into its own histograms; merge() runs after the
// threads have stopped. Const methods may run concurrently with each other.
#pragma once

#include <cstdint>
#include <vector>

namespace archbench::load {

inline constexpr std::uint64_t kOneHourUs = 3'600'000'000ull;

// One row of the percentile spectrum (HdrHistogram "classic" percentile output).
struct SpectrumPoint {
  double percentile;          // 0..100, the reporting level reached
  std::uint64_t value;        // the highest value equivalent to the bucket that reached it
  std::uint64_t total_count;  // values recorded at or below that bucket
};

class Histogram {
 public:
  // significant_digits in 1..5: the relative error of any recorded value stays below
  // 10^-significant_digits. Throws std::invalid_argument for values out of range.
  explicit Histogram(int significant_digits = 3, std::uint64_t highest_trackable = kOneHourUs);

  void record(std::uint64_t value, std::uint64_t count = 1);
  // Adds every count of `other`. Throws std::invalid_argument when the layouts differ.
  void merge(const Histogram& other);
  void reset();

  std::uint64_t total_count() const { return total_count_; }
  std::uint64_t saturated() const { return saturated_; }
  // Exact values (tracked beside the buckets); 0 when empty.
  std::uint64_t min() const { return total_count_ == 0 ? 0 : min_; }
  std::uint64_t max() const { return max_; }
  double mean() const;
  double stddev() const;  // population standard deviation

  // The value at or below which `percentile` percent of the recorded values fall (nearest-rank),
  // reported as the highest value equivalent to its bucket, so it is never below the exact
  // answer and above it by less than the bucket width. 0 when empty; percentile is clamped to
  // [0, 100]; percentile 100 returns max() exactly.
  std::uint64_t value_at_percentile(double percentile) const;

  // How many recorded values fall in [low, high], judged by bucket (a bucket counts when its
  // lowest equivalent value is inside the range). For wrk's "+/- Stdev" column.
  std::uint64_t count_between(std::uint64_t low, std::uint64_t high) const;

  // Rows at levels that get denser towards 100% (ticks_per_half_distance rows per halving of
  // the distance to 100%), ending with a 100% row; empty when nothing was recorded.
  std::vector<SpectrumPoint> percentile_spectrum(int ticks_per_half_distance) const;

  // The layout, as the classic output prints it.
  int bucket_count() const { return bucket_count_; }
  int sub_bucket_count() const { return sub_bucket_count_; }
  int significant_digits() const { return significant_digits_; }
  std::uint64_t highest_trackable() const { return highest_trackable_; }

  // Bucket geometry, public for tests: the range of values that share v's counter.
  std::uint64_t lowest_equivalent(std::uint64_t value) const;
  std::uint64_t highest_equivalent(std::uint64_t value) const;

 private:
  std::size_t index_of(std::uint64_t value) const;
  std::uint64_t lowest_value_at(std::size_t index) const;
  std::uint64_t highest_value_at(std::size_t index) const;

  int significant_digits_;
  std::uint64_t highest_trackable_;
  int sub_bucket_count_;       // a power of two >= 2 * 10^digits
  int sub_bucket_half_bits_;   // log2(sub_bucket_count_ / 2)
  int bucket_count_;
  std::vector<std::uint64_t> counts_;

  std::uint64_t total_count_ = 0;
  std::uint64_t saturated_ = 0;
  std::uint64_t min_ = 0;
  std::uint64_t max_ = 0;
  // Exact sums for mean and standard deviation (doubles: a run's sum of squares of microsecond
  // latencies fits easily; the rounding is far below what the report prints).
  double sum_ = 0;
  double sum_of_squares_ = 0;
};

}  // namespace archbench::load
