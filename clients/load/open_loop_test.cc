// Open loop against closed loop, in-process: a server that stalls once for 300 ms. In open loop
// every request scheduled during the stall is charged for its wait (no coordinated omission);
// in closed loop the stall shows up about once per connection.
//
// These tests run real sockets for about 1.5 s each; their bounds are counts derived from the
// schedule, with wide margins for a busy 2-core machine.
#include <gtest/gtest.h>

#include <limits>

#include "clients/load/engine.h"
#include "clients/load/test_server.h"

namespace archbench::load {
namespace {

using testing::Behaviour;
using testing::ServerConfig;
using testing::TestServer;

constexpr int kConnections = 4;

Options options_for(const TestServer& server) {
  Options o;
  o.port = server.port();
  o.threads = 2;
  o.connections = kConnections;
  o.duration_s = 1.5;
  o.timeout_ms = 2000;
  o.message_size = 64;
  return o;
}

RunResult run(const Options& o) {
  return run_load(o, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), o.port));
}

std::uint64_t at_least(const Histogram& h, std::uint64_t us) {
  return h.count_between(us, std::numeric_limits<std::uint64_t>::max());
}

ServerConfig stall_once() {
  ServerConfig config;
  config.behaviour = Behaviour::kStallOnce;
  config.stall_after = std::chrono::milliseconds(500);
  config.stall_for = std::chrono::milliseconds(300);
  return config;
}

TEST(OpenLoopTest, SendsExactlyTheScheduledRequests) {
  TestServer server({});
  Options o = options_for(server);
  o.duration_s = 1.0;
  o.rate = 200;
  const RunResult result = run(o);
  EXPECT_TRUE(result.clean());
  EXPECT_EQ(result.total.requests(), 200u);  // 4 connections x 50, offsets inside the second
  EXPECT_EQ(result.total.bytes_read(), 200u * 64);
  EXPECT_DOUBLE_EQ(result.measured_seconds, 1.0);
}

TEST(OpenLoopTest, RateBelowTheNumberOfConnectionsWorks) {
  TestServer server({});
  Options o = options_for(server);
  o.connections = 10;
  o.duration_s = 1.0;
  o.rate = 5;  // one request each for connections 0..4 (offsets 0, 0.2, ... 0.8 s)
  const RunResult result = run(o);
  EXPECT_TRUE(result.clean());
  EXPECT_EQ(result.total.requests(), 5u);
}

TEST(OpenLoopTest, WarmupRequestsAreNotMeasured) {
  TestServer server({});
  Options o = options_for(server);
  o.warmup_s = 0.3;
  o.duration_s = 0.5;
  o.rate = 200;
  const RunResult result = run(o);
  EXPECT_TRUE(result.clean());
  EXPECT_EQ(result.total.requests(), 100u);
}

TEST(OpenLoopTest, StallIsChargedToEveryRequestScheduledDuringIt) {
  TestServer server(stall_once());
  Options o = options_for(server);
  o.rate = 400;
  const RunResult result = run(o);
  ASSERT_TRUE(server.stalled());
  EXPECT_TRUE(result.clean());
  // A request scheduled s ms into the 300 ms stall waits about 300 - s ms: those scheduled in
  // its first half wait >= 150 ms, 400/s x 0.15 s = 60 of them.
  const std::uint64_t slow = at_least(result.total.latency(), 150'000);
  EXPECT_GE(slow, 40u);
  EXPECT_LE(slow, 90u);
  EXPECT_GE(result.total.latency().max(), 250'000u);
  EXPECT_GE(result.total.latency().value_at_percentile(99), 100'000u);
  // Measured from the actual send, only the requests on the wire at the stall look slow:
  // at most one per connection (this is what a closed-loop tool reports).
  EXPECT_LE(at_least(result.total.uncorrected_latency(), 150'000),
            static_cast<std::uint64_t>(kConnections));
}

TEST(ClosedLoopTest, StallIsRecordedAboutOncePerConnection) {
  TestServer server(stall_once());
  Options o = options_for(server);
  const RunResult result = run(o);
  ASSERT_TRUE(server.stalled());
  EXPECT_TRUE(result.clean());
  const std::uint64_t slow = at_least(result.total.latency(), 150'000);
  EXPECT_GE(slow, 1u);
  EXPECT_LE(slow, static_cast<std::uint64_t>(kConnections));
  EXPECT_GT(result.total.requests(), 1000u);  // thousands of fast requests dilute it
  EXPECT_LT(result.total.latency().value_at_percentile(99), 150'000u);
}

TEST(ClosedLoopTest, RequestsModeStopsAtExactlyN) {
  TestServer server({});
  Options o = options_for(server);
  o.requests = 1234;
  const RunResult result = run(o);
  EXPECT_TRUE(result.clean());
  EXPECT_EQ(result.total.requests(), 1234u);
  EXPECT_GT(result.measured_seconds, 0.0);
}

TEST(ClosedLoopTest, PipelineKeepsDepthRequestsInFlight) {
  TestServer server({});
  Options o = options_for(server);
  o.pipeline = 8;
  o.requests = 4000;
  o.protocol = Protocol::kLength;
  const RunResult result = run(o);
  EXPECT_TRUE(result.clean());
  EXPECT_EQ(result.total.requests(), 4000u);
}

TEST(ClosedLoopTest, ConnectionPerRequest) {
  TestServer server({});
  Options o = options_for(server);
  o.keepalive = false;
  o.requests = 200;
  o.protocol = Protocol::kEof;
  const RunResult result = run(o);
  EXPECT_TRUE(result.clean());
  EXPECT_EQ(result.total.requests(), 200u);
  EXPECT_GE(server.connections_accepted(), 200u);
}

TEST(RampUpTest, ConnectRateStartsConnectionsOneAfterAnother) {
  TestServer server({});
  Options o = options_for(server);
  o.connect_rate = 10;  // connection i starts at i / 10 s: 0, 100, 200, 300 ms
  o.duration_s = 0.15;  // ends between the second and the third start
  const RunResult result = run(o);
  EXPECT_TRUE(result.clean());
  EXPECT_EQ(server.connections_accepted(), 2u);
}

}  // namespace
}  // namespace archbench::load
