// What one load thread measured: latency histograms, counts, errors by class, per-interval
// rows, samples of wrong replies and (optionally) one record per request. Every thread fills
// its own Stats; the engine merges them after the threads have stopped.
//
// Thread-safety: none; one thread records, merge() runs after that thread has been joined.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "clients/load/histogram.h"
#include "protocols/session.h"

namespace archbench::load {

// How one request ended (the request log's "outcome" column).
enum class Outcome : std::uint8_t {
  kOk,
  kHttpStatus,  // a verified HTTP reply with a non-2xx status
  kWrong,       // the reply failed verification
  kTimeout,     // no reply within --timeout of its intended start
  kReadError,   // the connection failed (reset, or closed with the request outstanding)
  kWriteError,
};
std::string_view outcome_name(Outcome outcome);

// Error counts by class. Connect, read and write errors count events (one reset is one read
// error however many requests were outstanding); timeouts, wrong replies and non-2xx count
// requests, each request at most once. `missing` (broadcast mode) counts message copies a member
// was owed and never got (BroadcastGroup).
struct ErrorCounts {
  std::uint64_t connect = 0;
  std::uint64_t read = 0;
  std::uint64_t write = 0;
  std::uint64_t timeout = 0;
  std::uint64_t wrong_reply = 0;
  std::uint64_t http_non_2xx = 0;
  std::uint64_t missing = 0;

  std::uint64_t total() const {
    return connect + read + write + timeout + wrong_reply + http_non_2xx + missing;
  }
  ErrorCounts& operator+=(const ErrorCounts& other);
};

struct WrongReplySample {
  double at_s = 0;                 // seconds since the run started
  std::uint64_t connection = 0;
  std::string expected;
  std::string got;
};

// One row of --interval-ms: replies that completed in [start, start + width).
struct IntervalRow {
  std::uint64_t requests = 0;
  std::uint64_t bytes = 0;
  // Two significant digits: enough for an interval's p50/p99 at an eighth of the memory.
  Histogram latency{2};
};

// One line of --log-requests. Times in nanoseconds since the run started.
struct RequestRecord {
  std::int64_t intended_ns = 0;
  std::int64_t actual_ns = 0;
  std::uint64_t latency_us = 0;  // 0 unless the outcome is kOk or kHttpStatus
  Outcome outcome = Outcome::kOk;
  std::uint32_t connection = 0;
};

inline constexpr std::size_t kMaxWrongReplySamples = 5;

class Stats {
 public:
  Stats(TimePoint run_start, TimePoint measure_start, Clock::duration interval,
        bool keep_request_log);

  // A reply that was verified (kOk or kHttpStatus) to a request sent at `actual` and meant to
  // start at `intended`; `delay` is what the server adds on purpose (timer ms). Only measured
  // requests reach the histograms, the counts and the log.
  void record_reply(std::uint32_t connection, TimePoint intended, TimePoint actual, TimePoint now,
                    Clock::duration delay, Outcome outcome, bool measured);
  // A measured request that ended without a verified reply (into the request log only; the
  // caller counts the error in errors()).
  void record_failure(std::uint32_t connection, TimePoint intended, TimePoint actual,
                      Outcome outcome, bool measured);
  void add_bytes_read(TimePoint now, std::uint64_t n);
  void add_wrong_reply(TimePoint now, std::uint32_t connection, std::string expected,
                       std::string got);
  // WebSocket: a pong went out in answer to a server ping.
  void add_pong() { ++pongs_; }
  // The server refused the workload as not implemented by its design (501 to the /broadcast
  // handshake); the first reason is kept.
  void add_refusal(std::string reason);

  ErrorCounts& errors() { return errors_; }
  const ErrorCounts& errors() const { return errors_; }

  // Throws std::invalid_argument when the interval widths differ.
  void merge(const Stats& other);

  // Latency from the intended start (what a user waits), in µs.
  const Histogram& latency() const { return latency_; }
  // Latency from the actual send (what closed-loop tools report), in µs.
  const Histogram& uncorrected_latency() const { return uncorrected_; }
  std::uint64_t requests() const { return requests_; }   // measured replies
  std::uint64_t bytes_read() const { return bytes_; }    // read after measure_start
  // The last measured reply, for --requests runs whose length is not known in advance.
  TimePoint last_reply() const { return last_reply_; }
  const std::vector<IntervalRow>& intervals() const { return intervals_; }
  Clock::duration interval() const { return interval_; }
  const std::vector<WrongReplySample>& wrong_replies() const { return wrong_replies_; }
  const std::vector<RequestRecord>& request_log() const { return request_log_; }
  std::uint64_t pongs() const { return pongs_; }
  std::uint64_t refusals() const { return refusals_; }  // connections refused, not errors
  const std::string& refusal_reason() const { return refusal_reason_; }

 private:
  IntervalRow& interval_at(TimePoint now);
  std::int64_t since_start_ns(TimePoint t) const;

  TimePoint run_start_;
  TimePoint measure_start_;
  Clock::duration interval_;
  bool keep_request_log_;

  Histogram latency_;
  Histogram uncorrected_;
  std::uint64_t requests_ = 0;
  std::uint64_t bytes_ = 0;
  TimePoint last_reply_{};
  ErrorCounts errors_;
  std::vector<IntervalRow> intervals_;
  std::vector<WrongReplySample> wrong_replies_;
  std::vector<RequestRecord> request_log_;
  std::uint64_t pongs_ = 0;
  std::uint64_t refusals_ = 0;
  std::string refusal_reason_;
};

}  // namespace archbench::load
