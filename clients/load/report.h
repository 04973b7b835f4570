// What a run prints and writes:
//   * print_summary(): wrk's layout ("Thread Stats", "N requests in Ts, X read",
//     "Socket errors: ...", "Requests/sec:", "Transfer/sec:"), plus the verification counts and
//     the first wrong replies, which wrk does not have;
//   * print_latency(): --latency, wrk2's percentile list and the HdrHistogram "classic"
//     percentile spectrum (values in milliseconds);
//   * to_json(): parameters, throughput, errors by class, intervals and the full percentile
//     spectrum in microseconds (DESIGN.md, "Results"), plus the broadcast group's counts, pongs
//     and an "unsupported" refusal where they apply;
//   * write_request_log(): --log-requests, one CSV line per measured request.
//
// Thread-safety: pure functions of their arguments (plus the stream or file they write).
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>

#include "clients/load/engine.h"
#include "clients/load/find_max.h"
#include "clients/load/histogram.h"

namespace archbench::load {

void print_summary(std::ostream& out, const RunResult& run);

// The percentile list and the classic spectrum of `histogram` (microseconds), printed in
// milliseconds as wrk2 does.
void print_latency(std::ostream& out, const Histogram& histogram);
// Only the classic spectrum: header, rows, and the three "#[...]" footer lines.
void print_classic_spectrum(std::ostream& out, const Histogram& histogram);

void print_find_max(std::ostream& out, const FindMaxResult& result);

// The percentile summary of a histogram in microseconds: p50, p90, p99, p99_9, p99_99, min,
// max, mean, stddev, count, and "percentiles": [{"percentile", "value_us", "count"}, ...].
nlohmann::json latency_json(const Histogram& histogram);
nlohmann::json to_json(const RunResult& run);
nlohmann::json to_json(const FindMaxResult& result);

// Writes `document` (pretty-printed) to `path`; throws std::runtime_error when it cannot.
void write_json_file(const std::string& path, const nlohmann::json& document);
// CSV: intended_us,actual_us,latency_us,outcome,connection (times since the run started),
// sorted by intended start. Throws std::runtime_error when the file cannot be written.
void write_request_log(const std::string& path, const RunResult& run);

// wrk's unit formats, public for tests: 617.72us / 9.67ms / 1.02s; 98.12k; 140.37MB.
std::string format_micros(double us);
std::string format_metric(double n);
std::string format_binary(double bytes);

}  // namespace archbench::load
