// The printed summary, the classic percentile spectrum, the JSON document and the request log.
#include "clients/load/report.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "clients/load/test_server.h"

namespace archbench::load {
namespace {

RunResult short_run(bool open_loop, bool log_requests) {
  static testing::TestServer server({});
  Options o;
  o.port = server.port();
  o.threads = 1;
  o.connections = 2;
  o.duration_s = 0.5;
  o.interval_ms = 100;
  o.rate = open_loop ? 100 : 0;
  if (log_requests) o.log_requests = "unused-by-run_load";
  return run_load(o, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), o.port));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(FormatTest, WrkUnits) {
  EXPECT_EQ(format_micros(617.72), "617.72us");
  EXPECT_EQ(format_micros(9670), "9.67ms");
  EXPECT_EQ(format_micros(1'020'000), "1.02s");
  EXPECT_EQ(format_metric(980), "980.00");
  EXPECT_EQ(format_metric(98'120), "98.12k");
  EXPECT_EQ(format_metric(2'500'000), "2.50M");
  EXPECT_EQ(format_binary(512), "512.00B");
  EXPECT_EQ(format_binary(140.37 * 1024 * 1024), "140.37MB");
}

TEST(ClassicSpectrumTest, HdrHistogramLayout) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 1000; ++v) h.record(v * 1000);  // 1 ms .. 1 s
  std::ostringstream out;
  print_classic_spectrum(out, h);
  const auto lines = lines_of(out.str());
  ASSERT_GT(lines.size(), 10u);
  EXPECT_EQ(lines[0], "       Value   Percentile   TotalCount 1/(1-Percentile)");
  EXPECT_EQ(lines[1], "");
  EXPECT_EQ(lines[2], "       1.000     0.000000            1         1.00");
  // The 50% row: value in ms, fraction, cumulative count, 1/(1-p).
  bool found_median = false;
  for (const auto& line : lines) {
    if (line == "     500.223     0.500000          500         2.00") found_median = true;
  }
  EXPECT_TRUE(found_median) << out.str();
  const std::size_t n = lines.size();
  EXPECT_EQ(lines[n - 4], "    1000.000     1.000000         1000          inf");
  EXPECT_EQ(lines[n - 3], "#[Mean    =      500.500, StdDeviation   =      288.675]");
  EXPECT_EQ(lines[n - 2], "#[Max     =     1000.000, Total count    =         1000]");
  EXPECT_EQ(lines[n - 1], "#[Buckets =           22, SubBuckets     =         2048]");
}

TEST(SummaryTest, WrkLinesArePresent) {
  const RunResult result = short_run(/*open_loop=*/true, false);
  std::ostringstream out;
  print_summary(out, result);
  const std::string text = out.str();
  EXPECT_NE(text.find("Running 0.5s test @ 127.0.0.1:"), std::string::npos) << text;
  EXPECT_NE(text.find("  1 threads and 2 connections, open loop at 100.00 req/s"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  Thread Stats   Avg      Stdev     Max   +/- Stdev"), std::string::npos);
  EXPECT_NE(text.find("    Latency "), std::string::npos);
  EXPECT_NE(text.find("    Req/Sec "), std::string::npos);
  EXPECT_NE(text.find("Uncorrected latency"), std::string::npos);
  EXPECT_NE(text.find("  50 requests in 0.50s, 3.12KB read"), std::string::npos) << text;
  EXPECT_NE(text.find("Requests/sec:    100.00\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Transfer/sec:      6.25KB\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("Socket errors"), std::string::npos);
}

TEST(JsonTest, ParametersThroughputErrorsIntervalsAndSpectrum) {
  const RunResult result = short_run(/*open_loop=*/true, false);
  const nlohmann::json j = to_json(result);
  EXPECT_EQ(j["parameters"]["protocol"], "echo");
  EXPECT_EQ(j["parameters"]["mode"], "open");
  EXPECT_EQ(j["parameters"]["connections"], 2);
  EXPECT_EQ(j["requests"], 50);
  EXPECT_DOUBLE_EQ(j["throughput"]["requests_per_sec"].get<double>(), 100.0);
  EXPECT_DOUBLE_EQ(j["throughput"]["bytes_per_sec"].get<double>(), 6400.0);
  for (const char* key :
       {"connect", "read", "write", "reset", "timeout", "wrong_reply", "http_non_2xx", "total"}) {
    EXPECT_EQ(j["errors"][key], 0) << key;
  }
  for (const char* key : {"p50", "p90", "p99", "p99_9", "max", "mean", "stddev", "count"}) {
    EXPECT_TRUE(j["latency_us"].contains(key)) << key;
  }
  EXPECT_EQ(j["latency_us"]["count"], 50);
  const auto& spectrum = j["latency_us"]["percentiles"];
  ASSERT_GE(spectrum.size(), 2u);
  EXPECT_EQ(spectrum.back()["percentile"], 100.0);
  EXPECT_EQ(spectrum.back()["value_us"], j["latency_us"]["max"]);
  EXPECT_TRUE(j.contains("uncorrected_latency_us"));
  // Five 100 ms intervals of 10 requests each (each completes within its interval at 100/s,
  // give or take one at a boundary).
  ASSERT_GE(j["intervals"].size(), 5u);
  std::uint64_t sum = 0;
  for (const auto& row : j["intervals"]) sum += row["requests"].get<std::uint64_t>();
  EXPECT_EQ(sum, 50u);
  EXPECT_EQ(j["verdict"], "ok");
}

TEST(RequestLogTest, OneSortedLinePerMeasuredRequest) {
  const RunResult result = short_run(/*open_loop=*/true, /*log_requests=*/true);
  const std::string path = std::string(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR")
                                                                  : "/tmp") +
                           "/requests.csv";
  write_request_log(path, result);
  std::ifstream in(path);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "intended_us,actual_us,latency_us,outcome,connection");
  std::vector<double> intended;
  for (std::string line; std::getline(in, line);) {
    EXPECT_NE(line.find(",ok,"), std::string::npos) << line;
    intended.push_back(std::stod(line.substr(0, line.find(','))));
  }
  ASSERT_EQ(intended.size(), 50u);
  // 100/s: one request every 10 ms, the two connections interleaved.
  for (std::size_t i = 0; i < intended.size(); ++i) {
    EXPECT_NEAR(intended[i], i * 10'000.0, 0.01) << i;
  }
}

TEST(RequestLogTest, UnwritablePathIsAnError) {
  const RunResult result = short_run(/*open_loop=*/false, /*log_requests=*/true);
  EXPECT_THROW(write_request_log("/nonexistent-dir/x.csv", result), std::runtime_error);
  EXPECT_THROW(write_json_file("/nonexistent-dir/x.json", to_json(result)), std::runtime_error);
}

}  // namespace
}  // namespace archbench::load
