#include "clients/load/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace archbench::load {
namespace {

constexpr int kSpectrumTicks = 5;  // rows per halving of the distance to 100% (wrk2's choice)

template <typename... Args>
std::string format(const char* pattern, Args... args) {
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, pattern, args...);
  return buffer;
}

struct Spread {
  double mean = 0;
  double stddev = 0;
  double max = 0;
  double within = 0;  // % of samples within mean +- stddev
};

Spread spread_of(const std::vector<double>& samples) {
  Spread s;
  if (samples.empty()) return s;
  for (double v : samples) s.mean += v;
  s.mean /= static_cast<double>(samples.size());
  for (double v : samples) s.stddev += (v - s.mean) * (v - s.mean);
  s.stddev = std::sqrt(s.stddev / static_cast<double>(samples.size()));
  s.max = *std::max_element(samples.begin(), samples.end());
  const auto inside = std::count_if(samples.begin(), samples.end(), [&s](double v) {
    return v >= s.mean - s.stddev && v <= s.mean + s.stddev;
  });
  s.within = 100.0 * static_cast<double>(inside) / static_cast<double>(samples.size());
  return s;
}

Spread latency_spread(const Histogram& h) {
  Spread s{h.mean(), h.stddev(), static_cast<double>(h.max()), 0};
  if (h.total_count() > 0) {
    const double low = std::max(0.0, s.mean - s.stddev);
    const auto inside = h.count_between(static_cast<std::uint64_t>(std::ceil(low)),
                                        static_cast<std::uint64_t>(s.mean + s.stddev));
    s.within = 100.0 * static_cast<double>(inside) / static_cast<double>(h.total_count());
  }
  return s;
}

// Per thread, the request rate of each interval that lies wholly inside the measurement; one
// whole-run sample per thread when the run was shorter than an interval.
std::vector<double> thread_rates(const RunResult& run) {
  const double width = run.options.interval_ms / 1000.0;
  const auto full = static_cast<std::size_t>(run.measured_seconds / width + 1e-9);
  std::vector<double> rates;
  for (const auto& per_interval : run.thread_interval_requests) {
    if (full == 0) {
      std::uint64_t sum = 0;
      for (auto n : per_interval) sum += n;
      if (run.measured_seconds > 0) rates.push_back(static_cast<double>(sum) / run.measured_seconds);
      continue;
    }
    for (std::size_t i = 0; i < full; ++i) {
      rates.push_back(i < per_interval.size() ? static_cast<double>(per_interval[i]) / width : 0.0);
    }
  }
  return rates;
}

std::string describe_load(const Options& o) {
  std::string what(protocol_name(o.protocol));
  switch (o.protocol) {
    case Protocol::kHttp:
      what += " " + o.method + " " + o.path;
      if (o.body_size > 0) what += ", body " + std::to_string(o.body_size) + " B";
      if (!o.keepalive) what += ", a connection per request";
      break;
    case Protocol::kTimer:
      what += ", AFTER " + std::to_string(o.timer_ms) + " ms; latency = lateness";
      break;
    case Protocol::kWebSocket:
      what += std::string(o.ws_binary ? ", binary " : ", text ") + std::to_string(o.message_size) + " B";
      if (o.broadcast()) what += ", broadcast on " + o.path;
      break;
    default:
      what += ", " + std::to_string(o.message_size) + " B messages";
      break;
  }
  return what;
}

}  // namespace

std::string format_micros(double us) {
  if (us < 1000) return format("%.2fus", us);
  if (us < 1e6) return format("%.2fms", us / 1e3);
  if (us < 60e6) return format("%.2fs", us / 1e6);
  return format("%.2fm", us / 60e6);
}

std::string format_metric(double n) {
  if (n < 1e3) return format("%.2f", n);
  if (n < 1e6) return format("%.2fk", n / 1e3);
  if (n < 1e9) return format("%.2fM", n / 1e6);
  return format("%.2fG", n / 1e9);
}

std::string format_binary(double bytes) {
  if (bytes < 1024) return format("%.2fB", bytes);
  if (bytes < 1024.0 * 1024) return format("%.2fKB", bytes / 1024);
  if (bytes < 1024.0 * 1024 * 1024) return format("%.2fMB", bytes / (1024.0 * 1024));
  return format("%.2fGB", bytes / (1024.0 * 1024 * 1024));
}

void print_summary(std::ostream& out, const RunResult& run) {
  const Options& o = run.options;
  const ErrorCounts& e = run.total.errors();
  const std::string length = o.requests > 0 ? std::to_string(o.requests) + " requests"
                                            : format("%gs", o.duration_s);
  out << "Running " << length << " test @ " << o.target() << " (" << describe_load(o) << ")\n";
  if (run.unsupported()) {
    // Nothing was measured; latency and rate lines would only be zeros.
    out << "  Unsupported: " << run.total.refusals()
        << " connection(s) refused with 501, not supported by design: "
        << run.total.refusal_reason() << "\n";
    return;
  }
  out << "  " << o.threads << " threads and " << o.connections << " connections, ";
  if (o.open_loop()) {
    out << "open loop at " << format("%.2f", o.rate) << " req/s";
  } else {
    out << "closed loop";
  }
  if (o.pipeline > 1) out << ", pipeline " << o.pipeline;
  if (o.warmup_s > 0) out << ", after " << format("%g", o.warmup_s) << "s warmup";
  out << "\n";

  const Spread latency = latency_spread(run.total.latency());
  const Spread rates = spread_of(thread_rates(run));
  out << format("  Thread Stats%6s%11s%8s%12s\n", "Avg", "Stdev", "Max", "+/- Stdev");
  out << format("    %-10s%8s%10s%9s%8.2f%%\n", "Latency", format_micros(latency.mean).c_str(),
                format_micros(latency.stddev).c_str(), format_micros(latency.max).c_str(),
                latency.within);
  out << format("    %-10s%8s%10s%9s%8.2f%%\n", "Req/Sec", format_metric(rates.mean).c_str(),
                format_metric(rates.stddev).c_str(), format_metric(rates.max).c_str(),
                rates.within);
  if (o.open_loop()) {
    const Histogram& u = run.total.uncorrected_latency();
    out << "  Uncorrected latency (from the actual send): mean " << format_micros(u.mean())
        << ", p50 " << format_micros(static_cast<double>(u.value_at_percentile(50)))
        << ", p99 " << format_micros(static_cast<double>(u.value_at_percentile(99))) << ", max "
        << format_micros(static_cast<double>(u.max())) << "\n";
  }
  if (o.print_latency) print_latency(out, run.total.latency());

  out << "  " << run.total.requests() << " requests in " << format("%.2fs", run.measured_seconds)
      << ", " << format_binary(static_cast<double>(run.total.bytes_read())) << " read\n";
  if (e.connect + e.read + e.write + e.timeout > 0) {
    out << "  Socket errors: connect " << e.connect << ", read " << e.read << ", write "
        << e.write << ", timeout " << e.timeout << "\n";
  }
  if (e.http_non_2xx > 0) out << "  Non-2xx responses: " << e.http_non_2xx << "\n";
  if (e.wrong_reply > 0) {
    out << "  Wrong replies: " << e.wrong_reply << " (the first "
        << run.total.wrong_replies().size() << ")\n";
    for (const auto& w : run.total.wrong_replies()) {
      out << "    connection " << w.connection << " at " << format("%.3fs", w.at_s)
          << ": expected " << w.expected << ", got " << w.got << "\n";
    }
  }
  if (e.missing > 0) out << "  Missing broadcast deliveries: " << e.missing << "\n";
  if (run.total.pongs() > 0) {
    out << "  Pongs sent (answers to server pings): " << run.total.pongs() << "\n";
  }
  if (run.total.refusals() > 0) {
    out << "  Unsupported: " << run.total.refusals()
        << " connection(s) refused with 501, not supported by design: "
        << run.total.refusal_reason() << "\n";
  }
  if (run.broadcast) {
    const BroadcastTotals& b = *run.broadcast;
    out << "  Broadcast: " << b.members << " of " << b.connections << " connections joined (in "
        << format("%.3fs", b.join_seconds) << "), " << b.messages << " messages, "
        << b.deliveries << " deliveries";
    if (b.messages > 0) {
      out << format(" (%.2f per message)", static_cast<double>(b.deliveries) / b.messages);
    }
    if (b.departed > 0) out << ", " << b.departed << " departed";
    out << "\n";
  }
  if (run.interrupted) out << "  Interrupted: the numbers cover the run until the stop.\n";
  out << format("Requests/sec: %9.2f\n", run.requests_per_second());
  if (run.broadcast) out << format("Deliveries/sec: %7.2f\n", run.deliveries_per_second());
  out << format("Transfer/sec: %11s\n", format_binary(run.bytes_per_second()).c_str());
}

void print_latency(std::ostream& out, const Histogram& histogram) {
  out << "  Latency Distribution (HdrHistogram - Recorded Latency)\n";
  for (double p : {50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 99.999, 100.0}) {
    out << format("%7.3f%% %9s\n", p,
                  format_micros(static_cast<double>(histogram.value_at_percentile(p))).c_str());
  }
  out << "\n  Detailed Percentile spectrum:\n";
  print_classic_spectrum(out, histogram);
  out << "----------------------------------------------------------\n";
}

void print_classic_spectrum(std::ostream& out, const Histogram& histogram) {
  constexpr double kScale = 1000.0;  // microseconds recorded, milliseconds printed
  out << format("%12s %12s %12s %12s\n\n", "Value", "Percentile", "TotalCount",
                "1/(1-Percentile)");
  for (const SpectrumPoint& row : histogram.percentile_spectrum(kSpectrumTicks)) {
    const double fraction = row.percentile / 100.0;
    out << format("%12.3f %12.6f %12llu %12.2f\n", static_cast<double>(row.value) / kScale,
                  fraction, static_cast<unsigned long long>(row.total_count),
                  1.0 / (1.0 - fraction));
  }
  out << format("#[Mean    = %12.3f, StdDeviation   = %12.3f]\n", histogram.mean() / kScale,
                histogram.stddev() / kScale);
  out << format("#[Max     = %12.3f, Total count    = %12llu]\n",
                static_cast<double>(histogram.max()) / kScale,
                static_cast<unsigned long long>(histogram.total_count()));
  out << format("#[Buckets = %12d, SubBuckets     = %12d]\n", histogram.bucket_count(),
                histogram.sub_bucket_count());
}

void print_find_max(std::ostream& out, const FindMaxResult& result) {
  out << "Find max: highest rate with p99 <= " << format("%g", result.slo_p99_ms) << " ms\n";
  for (const FindMaxStep& step : result.steps) {
    if (step.rate == 0) {
      out << "  closed-loop probe: " << format("%.2f", step.achieved) << " req/s, p99 "
          << format_micros(static_cast<double>(step.p99_us)) << "\n";
      continue;
    }
    out << "  rate " << format("%10.2f", step.rate) << ": achieved "
        << format("%10.2f", step.achieved) << ", p99 " << format("%9s", format_micros(static_cast<double>(step.p99_us)).c_str())
        << ", errors " << step.errors.total() << (step.passed ? "  pass" : "  fail") << "\n";
  }
  if (result.best_rate > 0) {
    out << "Max rate within the SLO: " << format("%.2f", result.best_rate) << " req/s\n";
  } else {
    out << "No rate met the SLO.\n";
  }
}

nlohmann::json latency_json(const Histogram& h) {
  nlohmann::json j;
  j["count"] = h.total_count();
  j["min"] = h.min();
  j["mean"] = h.mean();
  j["stddev"] = h.stddev();
  j["p50"] = h.value_at_percentile(50);
  j["p90"] = h.value_at_percentile(90);
  j["p99"] = h.value_at_percentile(99);
  j["p99_9"] = h.value_at_percentile(99.9);
  j["p99_99"] = h.value_at_percentile(99.99);
  j["max"] = h.max();
  nlohmann::json spectrum = nlohmann::json::array();
  for (const SpectrumPoint& row : h.percentile_spectrum(kSpectrumTicks)) {
    spectrum.push_back(
        {{"percentile", row.percentile}, {"value_us", row.value}, {"count", row.total_count}});
  }
  j["percentiles"] = std::move(spectrum);
  return j;
}

nlohmann::json to_json(const RunResult& run) {
  const Options& o = run.options;
  const ErrorCounts& e = run.total.errors();
  nlohmann::json j;
  j["tool"] = "archbench-load";
  j["parameters"] = {
      {"target", o.target()},       {"protocol", protocol_name(o.protocol)},
      {"threads", o.threads},       {"connections", o.connections},
      {"duration_s", o.duration_s}, {"requests", o.requests},
      {"warmup_s", o.warmup_s},     {"timeout_ms", o.timeout_ms},
      {"message_size", o.message_size}, {"path", o.path},
      {"method", o.method},         {"body_size", o.body_size},
      {"pipeline", o.pipeline},     {"keepalive", o.keepalive},
      {"ws_binary", o.ws_binary},   {"ws_broadcast", o.broadcast()},
      {"timer_ms", o.timer_ms},
      {"mode", o.open_loop() ? "open" : "closed"},
      {"rate", o.rate},             {"connect_rate", o.connect_rate},
      {"interval_ms", o.interval_ms}, {"seed", o.seed},
  };
  j["measured_seconds"] = run.measured_seconds;
  j["requests"] = run.total.requests();
  j["bytes_read"] = run.total.bytes_read();
  j["throughput"] = {{"requests_per_sec", run.requests_per_second()},
                     {"bytes_per_sec", run.bytes_per_second()}};
  if (run.broadcast) j["throughput"]["deliveries_per_sec"] = run.deliveries_per_second();
  j["errors"] = {{"connect", e.connect},           {"read", e.read},
                 {"write", e.write},               {"reset", e.read + e.write},
                 {"timeout", e.timeout},           {"wrong_reply", e.wrong_reply},
                 {"http_non_2xx", e.http_non_2xx}, {"missing", e.missing},
                 {"total", e.total()}};
  if (o.protocol == Protocol::kWebSocket) j["websocket"] = {{"pongs_sent", run.total.pongs()}};
  if (run.broadcast) {
    const BroadcastTotals& b = *run.broadcast;
    j["broadcast"] = {{"connections", b.connections}, {"members", b.members},
                      {"departed", b.departed},       {"join_seconds", b.join_seconds},
                      {"messages", b.messages},       {"deliveries", b.deliveries},
                      {"missing", b.missing}};
  }
  if (run.total.refusals() > 0) {
    j["unsupported"] = {{"refused_connections", run.total.refusals()},
                        {"status", 501},
                        {"reason", run.total.refusal_reason()}};
  }
  j["latency_us"] = latency_json(run.total.latency());
  if (o.open_loop()) j["uncorrected_latency_us"] = latency_json(run.total.uncorrected_latency());
  const Histogram& h = run.total.latency();
  j["histogram"] = {{"unit", "us"},
                    {"significant_digits", h.significant_digits()},
                    {"buckets", h.bucket_count()},
                    {"sub_buckets", h.sub_bucket_count()},
                    {"highest_trackable", h.highest_trackable()}};

  nlohmann::json intervals = nlohmann::json::array();
  const double width = o.interval_ms / 1000.0;
  const auto& rows = run.total.intervals();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    intervals.push_back({{"start_s", static_cast<double>(i) * width},
                         {"requests", rows[i].requests},
                         {"requests_per_sec", static_cast<double>(rows[i].requests) / width},
                         {"bytes", rows[i].bytes},
                         {"p50_us", rows[i].latency.value_at_percentile(50)},
                         {"p99_us", rows[i].latency.value_at_percentile(99)}});
  }
  j["intervals"] = std::move(intervals);

  nlohmann::json wrong = nlohmann::json::array();
  for (const auto& w : run.total.wrong_replies()) {
    wrong.push_back({{"at_s", w.at_s}, {"connection", w.connection}, {"expected", w.expected},
                     {"got", w.got}});
  }
  j["wrong_replies"] = std::move(wrong);
  j["interrupted"] = run.interrupted;
  j["verdict"] = run.clean() ? "ok" : run.unsupported() ? "unsupported" : "errors";
  return j;
}

nlohmann::json to_json(const FindMaxResult& result) {
  nlohmann::json j = result.best ? to_json(*result.best) : nlohmann::json::object();
  nlohmann::json steps = nlohmann::json::array();
  for (const FindMaxStep& step : result.steps) {
    steps.push_back({{"rate", step.rate},
                     {"mode", step.rate == 0 ? "closed" : "open"},
                     {"achieved_requests_per_sec", step.achieved},
                     {"p99_us", step.p99_us},
                     {"errors", step.errors.total()},
                     {"passed", step.passed}});
  }
  j["find_max"] = {{"slo_p99_ms", result.slo_p99_ms},
                   {"best_rate", result.best_rate},
                   {"steps", std::move(steps)}};
  if (!result.best) j["verdict"] = "no rate met the SLO";
  return j;
}

void write_json_file(const std::string& path, const nlohmann::json& document) {
  std::ofstream file(path);
  if (!file) throw std::runtime_error("cannot write " + path);
  file << document.dump(2) << "\n";
  if (!file) throw std::runtime_error("error writing " + path);
}

void write_request_log(const std::string& path, const RunResult& run) {
  std::vector<RequestRecord> records = run.total.request_log();
  std::stable_sort(records.begin(), records.end(),
                   [](const RequestRecord& a, const RequestRecord& b) {
                     return a.intended_ns < b.intended_ns;
                   });
  std::ofstream file(path);
  if (!file) throw std::runtime_error("cannot write " + path);
  file << "intended_us,actual_us,latency_us,outcome,connection\n";
  for (const RequestRecord& r : records) {
    file << format("%.3f,%.3f,%llu,", r.intended_ns / 1e3, r.actual_ns / 1e3,
                   static_cast<unsigned long long>(r.latency_us))
         << outcome_name(r.outcome) << "," << r.connection << "\n";
  }
  if (!file) throw std::runtime_error("error writing " + path);
}

}  // namespace archbench::load
