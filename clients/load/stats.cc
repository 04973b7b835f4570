#include "clients/load/stats.h"

#include <algorithm>
#include <stdexcept>

#include "clients/load/run_plan.h"

namespace archbench::load {

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk: return "ok";
    case Outcome::kHttpStatus: return "http_status";
    case Outcome::kWrong: return "wrong_reply";
    case Outcome::kTimeout: return "timeout";
    case Outcome::kReadError: return "read_error";
    case Outcome::kWriteError: return "write_error";
  }
  return "unknown";
}

ErrorCounts& ErrorCounts::operator+=(const ErrorCounts& other) {
  connect += other.connect;
  read += other.read;
  write += other.write;
  timeout += other.timeout;
  wrong_reply += other.wrong_reply;
  http_non_2xx += other.http_non_2xx;
  missing += other.missing;
  return *this;
}

Stats::Stats(TimePoint run_start, TimePoint measure_start, Clock::duration interval,
             bool keep_request_log)
    : run_start_(run_start),
      measure_start_(measure_start),
      interval_(interval),
      keep_request_log_(keep_request_log) {}

std::int64_t Stats::since_start_ns(TimePoint t) const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t - run_start_).count();
}

IntervalRow& Stats::interval_at(TimePoint now) {
  const auto offset = now - measure_start_;
  const std::size_t index = offset.count() <= 0 ? 0 : static_cast<std::size_t>(offset / interval_);
  if (index >= intervals_.size()) intervals_.resize(index + 1);
  return intervals_[index];
}

void Stats::record_reply(std::uint32_t connection, TimePoint intended, TimePoint actual,
                         TimePoint now, Clock::duration delay, Outcome outcome, bool measured) {
  if (!measured) return;
  const std::uint64_t latency = to_micros(now - intended - delay);
  latency_.record(latency);
  uncorrected_.record(to_micros(now - actual - delay));
  ++requests_;
  last_reply_ = std::max(last_reply_, now);
  IntervalRow& row = interval_at(now);
  ++row.requests;
  row.latency.record(latency);
  if (keep_request_log_) {
    request_log_.push_back(
        {since_start_ns(intended), since_start_ns(actual), latency, outcome, connection});
  }
}

void Stats::record_failure(std::uint32_t connection, TimePoint intended, TimePoint actual,
                           Outcome outcome, bool measured) {
  if (!measured || !keep_request_log_) return;
  request_log_.push_back(
      {since_start_ns(intended), since_start_ns(actual), 0, outcome, connection});
}

void Stats::add_bytes_read(TimePoint now, std::uint64_t n) {
  if (now < measure_start_) return;
  bytes_ += n;
  interval_at(now).bytes += n;
}

void Stats::add_wrong_reply(TimePoint now, std::uint32_t connection, std::string expected,
                            std::string got) {
  if (wrong_replies_.size() >= kMaxWrongReplySamples) return;
  const double at_s = std::chrono::duration<double>(now - run_start_).count();
  wrong_replies_.push_back({at_s, connection, std::move(expected), std::move(got)});
}

void Stats::add_refusal(std::string reason) {
  if (refusals_++ == 0) refusal_reason_ = std::move(reason);
}

void Stats::merge(const Stats& other) {
  if (other.interval_ != interval_) {
    throw std::invalid_argument("stats: merging different interval widths");
  }
  latency_.merge(other.latency_);
  uncorrected_.merge(other.uncorrected_);
  requests_ += other.requests_;
  bytes_ += other.bytes_;
  last_reply_ = std::max(last_reply_, other.last_reply_);
  errors_ += other.errors_;
  if (other.intervals_.size() > intervals_.size()) intervals_.resize(other.intervals_.size());
  for (std::size_t i = 0; i < other.intervals_.size(); ++i) {
    intervals_[i].requests += other.intervals_[i].requests;
    intervals_[i].bytes += other.intervals_[i].bytes;
    intervals_[i].latency.merge(other.intervals_[i].latency);
  }
  for (const auto& sample : other.wrong_replies_) {
    if (wrong_replies_.size() < kMaxWrongReplySamples) wrong_replies_.push_back(sample);
  }
  request_log_.insert(request_log_.end(), other.request_log_.begin(), other.request_log_.end());
  pongs_ += other.pongs_;
  if (refusals_ == 0) refusal_reason_ = other.refusal_reason_;
  refusals_ += other.refusals_;
}

}  // namespace archbench::load
