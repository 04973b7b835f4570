#include "clients/load/options.h"

#include <gtest/gtest.h>

namespace archbench::load {
namespace {

ParseOutcome parse(std::vector<std::string> args) { return parse_options(args); }

// Every bad input: exit status 2 and a message that names the flag.
void expect_refused(std::vector<std::string> args, const std::string& mentions) {
  const ParseOutcome outcome = parse(args);
  EXPECT_FALSE(outcome.options.has_value());
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_NE(outcome.message.find(mentions), std::string::npos) << outcome.message;
}

TEST(OptionsTest, DefaultsWithOnlyATarget) {
  const ParseOutcome outcome = parse({"--target", "127.0.0.1:8080"});
  ASSERT_TRUE(outcome.options.has_value()) << outcome.message;
  const Options& o = *outcome.options;
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.port, 8080);
  EXPECT_EQ(o.protocol, Protocol::kEcho);
  EXPECT_EQ(o.threads, 2);
  EXPECT_EQ(o.connections, 10);
  EXPECT_FALSE(o.open_loop());
  EXPECT_TRUE(o.keepalive);
  EXPECT_EQ(o.pipeline, 1);
}

TEST(OptionsTest, EveryFlagIsRead) {
  const ParseOutcome outcome =
      parse({"--target", "[::1]:9", "-t", "3", "-c", "30", "-d", "2.5", "--warmup", "1",
             "--timeout", "500", "--protocol", "http", "--path", "/json", "--method", "POST",
             "--body-size", "10", "--pipeline", "4", "--rate", "1000", "--connect-rate", "50",
             "--interval-ms", "250", "--latency", "--json", "/tmp/x.json", "--seed", "9",
             "--log-requests", "/tmp/log.csv", "--timer-ms", "20", "--ws-binary", "-s", "128",
             "--eof", "\n"});
  ASSERT_TRUE(outcome.options.has_value()) << outcome.message;
  const Options& o = *outcome.options;
  EXPECT_EQ(o.host, "::1");
  EXPECT_EQ(o.port, 9);
  EXPECT_EQ(o.threads, 3);
  EXPECT_EQ(o.connections, 30);
  EXPECT_DOUBLE_EQ(o.duration_s, 2.5);
  EXPECT_DOUBLE_EQ(o.warmup_s, 1);
  EXPECT_EQ(o.timeout_ms, 500);
  EXPECT_EQ(o.protocol, Protocol::kHttp);
  EXPECT_EQ(o.path, "/json");
  EXPECT_EQ(o.method, "POST");
  EXPECT_EQ(o.body_size, 10u);
  EXPECT_EQ(o.pipeline, 4);
  EXPECT_DOUBLE_EQ(o.rate, 1000);
  EXPECT_DOUBLE_EQ(o.connect_rate, 50);
  EXPECT_EQ(o.interval_ms, 250);
  EXPECT_TRUE(o.print_latency);
  EXPECT_EQ(o.json_path, "/tmp/x.json");
  EXPECT_EQ(o.seed, 9u);
  EXPECT_EQ(o.log_requests, "/tmp/log.csv");
  EXPECT_EQ(o.timer_ms, 20);
  EXPECT_TRUE(o.ws_binary);
  EXPECT_EQ(o.message_size, 128u);
  EXPECT_EQ(o.eof, "\n");
}

TEST(OptionsTest, FindMaxNeedsTheBound) {
  expect_refused({"--target", "h:1", "--find-max"}, "--slo-p99");
  const ParseOutcome ok = parse({"--target", "h:1", "--find-max", "--slo-p99", "5"});
  ASSERT_TRUE(ok.options.has_value()) << ok.message;
  EXPECT_TRUE(ok.options->find_max);
  EXPECT_DOUBLE_EQ(ok.options->slo_p99_ms, 5);
}

TEST(OptionsTest, BroadcastModeComesFromThePathAndHasItsLimits) {
  const ParseOutcome ok =
      parse({"--target", "h:1", "--protocol", "websocket", "--path", "/broadcast?uid=7"});
  ASSERT_TRUE(ok.options.has_value()) << ok.message;
  EXPECT_TRUE(ok.options->broadcast());
  Options o = *ok.options;
  o.path = "/";
  EXPECT_FALSE(o.broadcast());
  o.path = "/broadcast";
  o.protocol = Protocol::kHttp;
  EXPECT_FALSE(o.broadcast());  // an HTTP GET of /broadcast is just a 404

  const std::vector<std::string> broadcast = {"--target", "h:1", "--protocol", "websocket",
                                              "--path", "/broadcast"};
  auto with = [&broadcast](std::vector<std::string> extra) {
    extra.insert(extra.begin(), broadcast.begin(), broadcast.end());
    return extra;
  };
  expect_refused(with({"--no-keepalive"}), "/broadcast");
  expect_refused(with({"--requests", "100"}), "--requests cannot be used on /broadcast");
  expect_refused(with({"--message-size", "23"}), "--message-size must be at least 24");
  expect_refused(with({"--connections", "1025"}), "--connections must be at most 1024");
}

TEST(OptionsTest, HelpExitsZero) {
  const ParseOutcome outcome = parse({"--help"});
  EXPECT_FALSE(outcome.options.has_value());
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_NE(outcome.message.find("--rate"), std::string::npos);
}

TEST(OptionsTest, BadFlagsExitTwo) {
  expect_refused({}, "--target");
  expect_refused({"--target", "127.0.0.1"}, "host:port");
  expect_refused({"--target", ":80"}, "host:port");
  expect_refused({"--target", "h:0"}, "port");
  expect_refused({"--target", "h:70000"}, "port");
  expect_refused({"--target", "h:8x"}, "port");
  expect_refused({"--target", "h:1", "--bogus"}, "bogus");
  expect_refused({"--target", "h:1", "--threads", "two"}, "threads");
  expect_refused({"--target", "h:1", "--protocol", "gopher"}, "--protocol");
  expect_refused({"--target", "h:1", "--threads", "0"}, "--threads");
  expect_refused({"--target", "h:1", "-t", "4", "-c", "2"}, "--connections must be >= --threads");
  expect_refused({"--target", "h:1", "-d", "0"}, "--duration");
  expect_refused({"--target", "h:1", "--warmup", "-1"}, "--warmup");
  expect_refused({"--target", "h:1", "--timeout", "0"}, "--timeout");
  expect_refused({"--target", "h:1", "--pipeline", "0"}, "--pipeline");
  expect_refused({"--target", "h:1", "--no-keepalive", "--pipeline", "2"}, "--no-keepalive");
  expect_refused({"--target", "h:1", "--rate", "-5"}, "--rate");
  expect_refused({"--target", "h:1", "--path", "json"}, "--path");
  expect_refused({"--target", "h:1", "--path", "/a b"}, "--path");
  expect_refused({"--target", "h:1", "--method", "GE T"}, "--method");
  expect_refused({"--target", "h:1", "--eof", ""}, "--eof");
  expect_refused({"--target", "h:1", "-s", "0"}, "--message-size");
  expect_refused({"--target", "h:1", "--interval-ms", "1"}, "--interval-ms");
  expect_refused({"--target", "h:1", "--slo-p99", "3"}, "--find-max");
  expect_refused({"--target", "h:1", "--find-max", "--slo-p99", "3", "-n", "10"}, "--requests");
  expect_refused({"--target", "h:1", "--connect-rate", "-1"}, "--connect-rate");
  expect_refused({"--target", "h:1", "--timer-ms", "-1"}, "--timer-ms");
}

TEST(OptionsTest, RequestsReplaceDuration) {
  const ParseOutcome outcome = parse({"--target", "h:1", "-n", "500", "-d", "0"});
  ASSERT_TRUE(outcome.options.has_value()) << outcome.message;
  EXPECT_EQ(outcome.options->requests, 500u);
}

}  // namespace
}  // namespace archbench::load
