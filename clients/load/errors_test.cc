// Every error class, each caused on purpose by a test server built for it, and the verification
// that catches one corrupted byte among thousands of good replies.
#include <gtest/gtest.h>

#include "clients/load/engine.h"
#include "clients/load/test_server.h"

namespace archbench::load {
namespace {

using testing::Behaviour;
using testing::ServerConfig;
using testing::TestServer;

Options options_for(std::uint16_t port) {
  Options o;
  o.port = port;
  o.threads = 1;
  o.connections = 3;
  o.duration_s = 0.5;
  o.timeout_ms = 300;
  o.message_size = 64;
  return o;
}

RunResult run(const Options& o) {
  return run_load(o, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), o.port));
}

ServerConfig behaving(Behaviour behaviour) {
  ServerConfig config;
  config.behaviour = behaviour;
  return config;
}

TEST(ErrorsTest, RefusedConnectionsAreConnectErrors) {
  const RunResult result = run(options_for(testing::refused_port()));
  const ErrorCounts& e = result.total.errors();
  EXPECT_GE(e.connect, 3u);
  EXPECT_EQ(e.read + e.write + e.timeout + e.wrong_reply + e.http_non_2xx, 0u);
  EXPECT_EQ(result.total.requests(), 0u);
  EXPECT_FALSE(result.clean());
}

TEST(ErrorsTest, ResetsAreReadOrWriteErrors) {
  TestServer server(behaving(Behaviour::kReset));
  const RunResult result = run(options_for(server.port()));
  const ErrorCounts& e = result.total.errors();
  EXPECT_GE(e.read + e.write, 3u);
  EXPECT_EQ(e.connect + e.timeout + e.wrong_reply, 0u);
  EXPECT_EQ(result.total.requests(), 0u);
  EXPECT_FALSE(result.clean());
}

TEST(ErrorsTest, StuckRequestIsOneTimeoutEach) {
  TestServer server(behaving(Behaviour::kSilent));
  Options o = options_for(server.port());
  o.duration_s = 0.2;  // shorter than the timeout: each connection's one request times out
  const RunResult result = run(o);
  const ErrorCounts& e = result.total.errors();
  EXPECT_EQ(e.timeout, 3u);
  EXPECT_EQ(e.connect + e.read + e.write + e.wrong_reply, 0u);
  EXPECT_EQ(result.total.requests(), 0u);
}

TEST(ErrorsTest, OpenLoopAgainstASilentServerTimesOutEveryScheduledRequestOnce) {
  TestServer server(behaving(Behaviour::kSilent));
  Options o = options_for(server.port());
  o.connections = 2;
  o.rate = 20;  // 10 requests in 0.5 s
  const RunResult result = run(o);
  EXPECT_EQ(result.total.errors().timeout, 10u);
  EXPECT_EQ(result.total.requests(), 0u);
}

TEST(ErrorsTest, WrongAnswersAreWrongRepliesWithWhatCameAndWhatWasExpected) {
  TestServer server(behaving(Behaviour::kWrongBytes));
  const RunResult result = run(options_for(server.port()));
  const ErrorCounts& e = result.total.errors();
  EXPECT_GE(e.wrong_reply, 3u);
  EXPECT_EQ(e.connect + e.timeout, 0u);
  EXPECT_EQ(result.total.requests(), 0u);
  ASSERT_FALSE(result.total.wrong_replies().empty());
  const WrongReplySample& first = result.total.wrong_replies().front();
  EXPECT_NE(first.expected.find("byte 0 of 64"), std::string::npos) << first.expected;
  EXPECT_NE(first.got.find("xxxxxxxx"), std::string::npos) << first.got;
  EXPECT_LE(result.total.wrong_replies().size(), kMaxWrongReplySamples);
}

TEST(ErrorsTest, OneCorruptedByteAmongThousandsIsCaught) {
  ServerConfig config = behaving(Behaviour::kCorruptOnce);
  config.corrupt_read = 500;
  TestServer server(config);
  Options o = options_for(server.port());
  o.requests = 3000;
  const RunResult result = run(o);
  const ErrorCounts& e = result.total.errors();
  EXPECT_EQ(e.wrong_reply, 1u);
  EXPECT_EQ(e.total(), 1u);
  EXPECT_FALSE(result.clean());
  ASSERT_EQ(result.total.wrong_replies().size(), 1u);
  EXPECT_NE(result.total.wrong_replies()[0].expected.find("byte "), std::string::npos);
  // The connection that saw it was replaced and the run went on.
  EXPECT_GE(server.connections_accepted(), 4u);
  EXPECT_GE(result.total.requests(), 2990u);
}

}  // namespace
}  // namespace archbench::load
