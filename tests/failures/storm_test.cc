// Case 2 of issue #8: a storm of malformed input from many connections at once.
//
// kStormConnections connections each send one malformed input (malformed_inputs.h, cycled) in
// a single write and then only read. Each must get exactly the contract's answer (HTTP status
// with Connection: close, WebSocket close code, or the echoes of the valid frames before the
// bad one) and then be closed by the server. Meanwhile a well-behaved client on its own
// connection runs a bounded loop of correct requests and must see every reply correct; the
// bad input of other connections must never leak into its conversation. Afterwards the server
// must pass the survival check (ServerUnderTest::health_problem).
//
// Blocking designs take the storm a few connections at a time (the rest wait in the listen
// backlog), which the generous deadlines allow for; only correctness is asserted.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include "tests/failures/connection_swarm.h"
#include "tests/failures/malformed_inputs.h"
#include "tests/failures/server_under_test.h"
#include "tests/failures/well_behaved_client.h"
#include "tests/failures/wire.h"

namespace archbench::failures {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kStormConnections = 50;
constexpr int kWellBehavedRounds = 100;
// Bound on the whole storm (and the well-behaved loop), far above what even one connection at
// a time needs on a loaded machine: a hung server fails here instead of hanging the test.
constexpr milliseconds kStormDeadline{20000};

void run_storm(const std::string& protocol) {
  const StormLimits limits;
  const std::vector<MalformedInput> inputs = malformed_inputs(protocol, limits);
  ASSERT_FALSE(inputs.empty()) << "no malformed inputs for " << protocol;
  ServerUnderTest server(protocol, storm_server_flags(protocol, limits));
  ASSERT_TRUE(server.start()) << server.error();

  const auto deadline = SteadyClock::now() + kStormDeadline;
  ConnectionSwarm swarm;
  std::string error;
  ASSERT_TRUE(swarm.open(server.port(), kStormConnections, error)) << error << server.log();
  for (std::size_t i = 0; i < swarm.size(); ++i) swarm.queue(i, inputs[i % inputs.size()].bytes);

  // The well-behaved client starts while the storm's bytes are arriving.
  WellBehavedReport good;
  std::thread good_client([&] {
    good = run_well_behaved_client(protocol, server.port(), kWellBehavedRounds, deadline);
  });
  swarm.pump_until(deadline);
  good_client.join();

  std::size_t answered_as_specified = 0;
  for (std::size_t i = 0; i < swarm.size(); ++i) {
    const MalformedInput& input = inputs[i % inputs.size()];
    const ConnectionSwarm::Peer& peer = swarm.peer(i);
    SCOPED_TRACE("connection " + std::to_string(i) + ": " + input.name);
    EXPECT_TRUE(peer.ended()) << "not closed by the server within " << kStormDeadline.count()
                              << " ms; received \"" << printable(peer.received) << "\""
                              << server.log();
    const std::string problem = input.check(peer.received);
    EXPECT_EQ(problem, "") << "(" << peer.describe_end() << ")" << server.log();
    if (peer.ended() && problem.empty()) ++answered_as_specified;
  }
  EXPECT_EQ(good.problem, "") << "the well-behaved client, after " << good.replies_checked
                              << " correct replies" << server.log();
  EXPECT_EQ(good.replies_checked, kWellBehavedRounds) << server.log();

  // For the per-architecture table: what was checked, and how long the good client took.
  std::cout << "[ STORM    ] " << target_label() << " --protocol " << protocol << ": "
            << answered_as_specified << "/" << swarm.size()
            << " malformed connections answered as specified and closed; " << good.replies_checked
            << "/" << kWellBehavedRounds << " well-behaved replies correct in "
            << good.elapsed.count() << " ms" << std::endl;
  ::testing::Test::RecordProperty("malformed_answered", static_cast<int>(answered_as_specified));
  ::testing::Test::RecordProperty("good_replies", good.replies_checked);
  ::testing::Test::RecordProperty("good_elapsed_ms", static_cast<int>(good.elapsed.count()));

  EXPECT_EQ(server.health_problem(), "") << server.log();
}

TEST(MalformedStorm, Http) { run_storm("http"); }
TEST(MalformedStorm, WebSocket) { run_storm("websocket"); }
TEST(MalformedStorm, Length) { run_storm("length"); }
TEST(MalformedStorm, Eof) { run_storm("eof"); }

}  // namespace
}  // namespace archbench::failures
