#include "clients/load/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace archbench::load {
namespace {

int floor_log2(std::uint64_t v) { return 63 - std::countl_zero(v); }

// The rank (1-based) of the value that nearest-rank percentile p selects among n values.
// The small tolerance keeps 50% of 1000 at rank 500 despite binary rounding of p / 100 * n.
std::uint64_t rank_for(double percentile, std::uint64_t n) {
  const long double exact = static_cast<long double>(percentile) / 100.0L * n;
  auto rank = static_cast<std::uint64_t>(std::ceil(exact - 1e-9L * exact));
  return std::clamp<std::uint64_t>(rank, 1, n);
}

}  // namespace

Histogram::Histogram(int significant_digits, std::uint64_t highest_trackable)
    : significant_digits_(significant_digits), highest_trackable_(highest_trackable) {
  if (significant_digits < 1 || significant_digits > 5) {
    throw std::invalid_argument("histogram: significant digits must be in 1..5");
  }
  if (highest_trackable < 2) {
    throw std::invalid_argument("histogram: highest trackable value must be at least 2");
  }
  // Two sub-buckets per unit of the last significant digit at the bottom of every bucket: a
  // bucket's lower half resolves 10^digits distinct steps, so the error is below 10^-digits.
  std::uint64_t needed = 2;
  for (int i = 0; i < significant_digits; ++i) needed *= 10;
  sub_bucket_count_ = static_cast<int>(std::bit_ceil(needed));
  sub_bucket_half_bits_ = floor_log2(static_cast<std::uint64_t>(sub_bucket_count_)) - 1;

  // Bucket b (b >= 1) covers [sub_bucket_count << (b-1), sub_bucket_count << b) in steps of
  // 2^b; bucket 0 covers [0, sub_bucket_count) in steps of 1.
  bucket_count_ = 1;
  std::uint64_t smallest_untrackable = static_cast<std::uint64_t>(sub_bucket_count_);
  while (smallest_untrackable <= highest_trackable) {
    if (smallest_untrackable > std::numeric_limits<std::uint64_t>::max() / 2) {
      throw std::invalid_argument("histogram: highest trackable value too large");
    }
    smallest_untrackable <<= 1;
    ++bucket_count_;
  }
  const std::size_t half = static_cast<std::size_t>(sub_bucket_count_) / 2;
  counts_.assign((static_cast<std::size_t>(bucket_count_) + 1) * half, 0);
}

std::size_t Histogram::index_of(std::uint64_t value) const {
  const std::uint64_t mask = static_cast<std::uint64_t>(sub_bucket_count_) - 1;
  const int bucket = floor_log2(value | mask) - sub_bucket_half_bits_;
  const std::size_t half = static_cast<std::size_t>(sub_bucket_count_) / 2;
  // Bucket b's sub-buckets [half, 2*half) land right after bucket b-1's; bucket 0 also owns
  // the lower half, which makes the index simply b * half + (value >> b).
  return static_cast<std::size_t>(bucket) * half + static_cast<std::size_t>(value >> bucket);
}

std::uint64_t Histogram::lowest_value_at(std::size_t index) const {
  const std::size_t half = static_cast<std::size_t>(sub_bucket_count_) / 2;
  if (index < static_cast<std::size_t>(sub_bucket_count_)) return index;
  const std::size_t bucket = index / half - 1;
  const std::uint64_t sub = index - bucket * half;
  return sub << bucket;
}

std::uint64_t Histogram::highest_value_at(std::size_t index) const {
  const std::size_t half = static_cast<std::size_t>(sub_bucket_count_) / 2;
  const std::size_t bucket =
      index < static_cast<std::size_t>(sub_bucket_count_) ? 0 : index / half - 1;
  return lowest_value_at(index) + (std::uint64_t{1} << bucket) - 1;
}

std::uint64_t Histogram::lowest_equivalent(std::uint64_t value) const {
  return lowest_value_at(index_of(std::min(value, highest_trackable_)));
}

std::uint64_t Histogram::highest_equivalent(std::uint64_t value) const {
  return highest_value_at(index_of(std::min(value, highest_trackable_)));
}

void Histogram::record(std::uint64_t value, std::uint64_t count) {
  if (count == 0) return;
  if (value > highest_trackable_) {
    value = highest_trackable_;
    saturated_ += count;
  }
  counts_[index_of(value)] += count;
  if (total_count_ == 0 || value < min_) min_ = value;
  max_ = std::max(max_, value);
  total_count_ += count;
  const double v = static_cast<double>(value);
  sum_ += v * static_cast<double>(count);
  sum_of_squares_ += v * v * static_cast<double>(count);
}

void Histogram::merge(const Histogram& other) {
  if (other.sub_bucket_count_ != sub_bucket_count_ || other.bucket_count_ != bucket_count_) {
    throw std::invalid_argument("histogram: merging histograms of different layouts");
  }
  if (other.total_count_ == 0) return;
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  if (total_count_ == 0 || other.min_ < min_) min_ = other.min_;
  max_ = std::max(max_, other.max_);
  total_count_ += other.total_count_;
  saturated_ += other.saturated_;
  sum_ += other.sum_;
  sum_of_squares_ += other.sum_of_squares_;
}

void Histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_count_ = saturated_ = min_ = max_ = 0;
  sum_ = sum_of_squares_ = 0;
}

double Histogram::mean() const {
  return total_count_ == 0 ? 0.0 : sum_ / static_cast<double>(total_count_);
}

double Histogram::stddev() const {
  if (total_count_ == 0) return 0.0;
  const double m = mean();
  const double variance = sum_of_squares_ / static_cast<double>(total_count_) - m * m;
  return variance > 0 ? std::sqrt(variance) : 0.0;
}

std::uint64_t Histogram::value_at_percentile(double percentile) const {
  if (total_count_ == 0) return 0;
  percentile = std::clamp(percentile, 0.0, 100.0);
  if (percentile >= 100.0) return max_;
  const std::uint64_t rank = rank_for(percentile, total_count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(highest_value_at(i), max_);
  }
  return max_;
}

std::uint64_t Histogram::count_between(std::uint64_t low, std::uint64_t high) const {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    const std::uint64_t v = lowest_value_at(i);
    if (v >= low && v <= high) n += counts_[i];
  }
  return n;
}

std::vector<SpectrumPoint> Histogram::percentile_spectrum(int ticks_per_half_distance) const {
  std::vector<SpectrumPoint> rows;
  if (total_count_ == 0) return rows;
  ticks_per_half_distance = std::max(ticks_per_half_distance, 1);
  // The next reporting level. Each time the distance to 100% halves, the step between levels
  // halves too, so the tail (where latency stories hide) gets as many rows as the body.
  double level = 0.0;
  std::uint64_t cumulative = 0;
  std::size_t last_index = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    cumulative += counts_[i];
    last_index = i;
    const double reached = 100.0 * static_cast<double>(cumulative) / total_count_;
    // A bucket can pass several levels; each gets its row (same value), as in wrk2's output.
    while (level <= reached && level < 100.0) {
      rows.push_back({level, std::min(highest_value_at(i), max_), cumulative});
      const double halvings = std::floor(std::log2(100.0 / (100.0 - level))) + 1;
      const double ticks = ticks_per_half_distance * std::pow(2.0, halvings);
      level += 100.0 / ticks;
      // The levels approach 100% without reaching it: the last bucket gets one row, then the
      // closing 100% row below.
      if (cumulative == total_count_) break;
    }
  }
  rows.push_back({100.0, std::min(highest_value_at(last_index), max_), total_count_});
  return rows;
}

}  // namespace archbench::load
