// Broadcast mode end to end: the load engine against servers that broadcast (the in-process test
// server's group, and the real event_loop binary), against servers that refuse /broadcast with
// 501 (the test server without broadcast, and the real iterative binary), and against delivery
// faults made on purpose. Also pongs for server pings, in echo mode.
//
// Runs are short (well under a second of load each) and assert counts, never speed.
#include <gtest/gtest.h>

#include "clients/load/engine.h"
#include "clients/load/report.h"
#include "clients/load/test_server.h"
#include "servers/testing/server_process.h"

namespace archbench::load {
namespace {

using archbench::testing::ServerProcess;
using testing::Behaviour;
using testing::ServerConfig;
using testing::TestServer;

Options broadcast_options(std::uint16_t port, int connections) {
  Options o;
  o.port = port;
  o.protocol = Protocol::kWebSocket;
  o.path = "/broadcast";
  o.threads = 2;
  o.connections = connections;
  o.duration_s = 0.4;
  o.warmup_s = 0.1;
  o.timeout_ms = 1000;
  o.message_size = 64;
  return o;
}

RunResult run(const Options& o) {
  EXPECT_EQ(validate(o), "");
  return run_load(o, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), o.port));
}

ServerConfig websocket_server(bool can_broadcast) {
  ServerConfig config;
  config.behaviour = Behaviour::kSession;
  config.protocol = Protocol::kWebSocket;
  config.protocol_config.can_broadcast = can_broadcast;
  config.protocol_config.broadcast_refusal = "this test server does not share connections";
  return config;
}

std::string describe(const RunResult& result) {
  const ErrorCounts& e = result.total.errors();
  std::string text = "connect " + std::to_string(e.connect) + " read " + std::to_string(e.read) +
                     " write " + std::to_string(e.write) + " timeout " +
                     std::to_string(e.timeout) + " wrong " + std::to_string(e.wrong_reply) +
                     " missing " + std::to_string(e.missing);
  for (const WrongReplySample& w : result.total.wrong_replies()) {
    text += "; expected " + w.expected + ", got " + w.got;
  }
  return text;
}

// A clean broadcast run: every measured message reached every member exactly once.
void expect_complete_fan_out(const RunResult& result, int members) {
  ASSERT_TRUE(result.clean()) << describe(result);
  ASSERT_TRUE(result.broadcast.has_value());
  const BroadcastTotals& b = *result.broadcast;
  EXPECT_EQ(b.members, members);
  EXPECT_EQ(b.departed, 0);
  EXPECT_EQ(b.missing, 0u);
  EXPECT_GT(result.total.requests(), 0u);
  // requests: own copies of measured messages that came back; with nothing lost that is every
  // measured message, and each went to every member.
  EXPECT_EQ(b.messages, result.total.requests());
  EXPECT_EQ(b.deliveries, b.messages * static_cast<std::uint64_t>(members));
  EXPECT_GT(result.deliveries_per_second(), result.requests_per_second());
}

TEST(BroadcastTest, EveryMessageReachesEveryMemberOnce) {
  TestServer server(websocket_server(true));
  const RunResult result = run(broadcast_options(server.port(), 5));
  expect_complete_fan_out(result, 5);
  const nlohmann::json json = to_json(result);
  EXPECT_EQ(json["verdict"], "ok");
  EXPECT_EQ(json["parameters"]["ws_broadcast"], true);
  EXPECT_EQ(json["broadcast"]["members"], 5);
  EXPECT_EQ(json["broadcast"]["deliveries"], result.broadcast->deliveries);
  EXPECT_DOUBLE_EQ(json["throughput"]["deliveries_per_sec"].get<double>(),
                   result.deliveries_per_second());
  EXPECT_EQ(json["errors"]["missing"], 0);
}

TEST(BroadcastTest, PipelinedBinaryMessagesWithFragmentedReads) {
  TestServer server(websocket_server(true));
  Options o = broadcast_options(server.port(), 4);
  o.ws_binary = true;
  o.pipeline = 4;
  o.message_size = 20'000;  // bigger than one read of a busy socket: messages arrive in pieces
  expect_complete_fan_out(run(o), 4);
}

TEST(BroadcastTest, LateJoinersAreWaitedForByTheBarrier) {
  // Connections start 50 ms apart; without the barrier the first ones would send messages the
  // later ones never see, which the client would report as missing.
  TestServer server(websocket_server(true));
  Options o = broadcast_options(server.port(), 4);
  o.connect_rate = 20;
  o.warmup_s = 0;
  const RunResult result = run(o);
  expect_complete_fan_out(result, 4);
  EXPECT_GE(result.broadcast->join_seconds, 0.14);
  EXPECT_LE(result.measured_seconds, o.duration_s - 0.14 + 1e-6);  // the wait is not measured
}

TEST(BroadcastTest, OpenLoopCountsFromTheBarrier) {
  TestServer server(websocket_server(true));
  Options o = broadcast_options(server.port(), 4);
  o.rate = 400;
  expect_complete_fan_out(run(o), 4);
}

TEST(BroadcastTest, ADuplicatedDeliveryIsOneWrongReply) {
  ServerConfig config = websocket_server(true);
  config.duplicate_delivery = 40;
  TestServer server(config);
  const RunResult result = run(broadcast_options(server.port(), 4));
  EXPECT_EQ(result.total.errors().wrong_reply, 1u) << describe(result);
  EXPECT_EQ(result.total.errors().missing, 0u) << describe(result);
  ASSERT_EQ(result.total.wrong_replies().size(), 1u);
  EXPECT_NE(result.total.wrong_replies()[0].got.find("again"), std::string::npos);
  EXPECT_FALSE(result.clean());
}

TEST(BroadcastTest, ADroppedDeliveryIsCaught) {
  ServerConfig config = websocket_server(true);
  config.drop_delivery = 40;
  TestServer server(config);
  const RunResult result = run(broadcast_options(server.port(), 4));
  const ErrorCounts& e = result.total.errors();
  // The next message from that sender reveals the gap ("skipped"); had it been the sender's
  // last message, the drain would find it missing instead.
  EXPECT_EQ(e.wrong_reply + e.missing, 1u) << describe(result);
  EXPECT_EQ(e.connect + e.read + e.write + e.timeout, 0u) << describe(result);
  EXPECT_FALSE(result.clean());
}

TEST(BroadcastTest, RefusalIsUnsupportedNotAnError) {
  TestServer server(websocket_server(false));
  const RunResult result = run(broadcast_options(server.port(), 3));
  EXPECT_TRUE(result.unsupported()) << describe(result);
  EXPECT_FALSE(result.clean());
  EXPECT_EQ(result.total.errors().total(), 0u);
  EXPECT_EQ(result.total.refusals(), 3u);
  EXPECT_EQ(result.total.refusal_reason(), "this test server does not share connections");
  EXPECT_EQ(server.connections_accepted(), 3u);  // no retries
  const nlohmann::json json = to_json(result);
  EXPECT_EQ(json["verdict"], "unsupported");
  EXPECT_EQ(json["unsupported"]["refused_connections"], 3);
}

TEST(PongTest, ServerPingsAreAnsweredAndCounted) {
  ServerConfig config = websocket_server(false);
  config.ping_every = 3;
  TestServer server(config);
  Options o = broadcast_options(server.port(), 3);
  o.path = "/";  // echo mode
  const RunResult result = run(o);
  // A missing or malformed pong makes the server's session fail the connection (close 1002),
  // which the client would count as a wrong reply.
  EXPECT_TRUE(result.clean()) << describe(result);
  EXPECT_GT(server.pings_sent(), 10u);
  // Pings still in flight when the run ended may go unanswered.
  EXPECT_GE(result.total.pongs() + 3, server.pings_sent());
  EXPECT_LE(result.total.pongs(), server.pings_sent());
  EXPECT_EQ(to_json(result)["websocket"]["pongs_sent"], result.total.pongs());
}

// --- real server binaries ----------------------------------------------------------------------

std::unique_ptr<ServerProcess> start_server(const std::string& architecture) {
  auto server = std::make_unique<ServerProcess>(
      ServerProcess::server_binary(architecture),
      std::vector<std::string>{"--protocol", "websocket", "--host", "127.0.0.1", "--port", "0"});
  EXPECT_TRUE(server->wait_ready()) << server->error();
  return server;
}

TEST(RealServerTest, EventLoopBroadcastsToSixMembers) {
  auto server = start_server("event_loop");
  ASSERT_NE(server->port(), 0);
  expect_complete_fan_out(run(broadcast_options(server->port(), 6)), 6);
  Options o = broadcast_options(server->port(), 3);
  o.message_size = 65536;
  o.ws_binary = true;
  expect_complete_fan_out(run(o), 3);
}

TEST(RealServerTest, IterativeRefusesBroadcastAsUnsupported) {
  auto server = start_server("iterative");
  ASSERT_NE(server->port(), 0);
  const RunResult result = run(broadcast_options(server->port(), 2));
  EXPECT_TRUE(result.unsupported()) << describe(result);
  EXPECT_EQ(result.total.refusals(), 2u);
  EXPECT_FALSE(result.total.refusal_reason().empty());
  EXPECT_EQ(result.total.errors().wrong_reply, 0u);
}

}  // namespace
}  // namespace archbench::load
