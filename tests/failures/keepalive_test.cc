// The keep-alive timeout (--keepalive-timeout-ms) over real sockets, for every architecture.
//
// The contract (protocols/http/http_session.h; the reactor's idle sweep in reactor_thread.cc):
// an HTTP connection that sits between requests -- since accept, or since its last reply -- is
// closed silently once it has done so for the timeout. One that keeps asking is never closed
// under it, and an upgraded WebSocket connection is not covered at all.
//
// What each design predicts, and what is asserted:
//  - idle connections that hold every slot of a blocking design (iterative's one, a pool's
//    workers, --max-procs children) are closed after the timeout, so a client queued behind
//    them is served then: within ceil(K / capacity) timeouts plus slack. Without the timeout it
//    waits for as long as the idle clients like (the exhaustion rows of issue #8's table);
//  - a design that multiplexes connections serves that client at once, before the first idle
//    close, and closes the idle ones all the same;
//  - every idle connection is closed with no byte sent, and never before the timeout has passed
//    since it connected.
// Latencies are printed for the table, never asserted as speeds.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "tests/failures/connection_swarm.h"
#include "tests/failures/server_under_test.h"
#include "tests/failures/wire.h"

namespace archbench::failures {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// Per round of idle connections (a reaping interval, the reactor's sweep of a quarter of the
// timeout, scheduling on a loaded machine) and once.
constexpr milliseconds kRoundSlack{800};
constexpr milliseconds kFixedSlack{3000};
// The server's clock starts at accept, which is no earlier than connect returned here; this
// only absorbs clock-reading granularity.
constexpr milliseconds kEarlyTolerance{20};

long long ms(SteadyClock::duration d) {
  return std::chrono::duration_cast<milliseconds>(d).count();
}

// The timeout under test: the design's short timeout (one-at-a-time designs get a shorter one,
// see failures_test.bzl), so K idle connections in turn fit the time budget.
milliseconds keepalive_timeout() { return milliseconds(target().header_timeout_ms); }

std::vector<std::string> keepalive_flag() {
  return {"--keepalive-timeout-ms", std::to_string(keepalive_timeout().count())};
}

TEST(KeepAlive, IdleConnectionsAreClosedAndTheSlotsTheyHeldServeOthers) {
  const milliseconds timeout = keepalive_timeout();
  ServerUnderTest server("http", keepalive_flag());
  START_OR_SKIP_WITHOUT_FLAG(server, "--keepalive-timeout-ms");
  const bool multiplexes = target().capacity == 0;
  // Enough idle connections to take every slot of a blocking design.
  const std::size_t idle_count = multiplexes ? 4 : static_cast<std::size_t>(target().capacity);
  const std::size_t rounds = multiplexes ? 1 : 2;  // the idle ones, then the queued client
  const milliseconds bound = static_cast<long>(rounds) * (timeout + kRoundSlack) + kFixedSlack;

  ConnectionSwarm idle;
  std::string error;
  const auto connected = SteadyClock::now();
  ASSERT_TRUE(idle.open(server.port(), idle_count, error)) << error << server.log();
  // Let a blocking design hand its slots to the idle ones before the good client queues up.
  idle.pump_until(SteadyClock::now() + milliseconds(100));

  std::string good_problem;
  std::optional<SteadyClock::time_point> good_sent, good_answered;
  std::thread good([&] {
    TestConnection c = TestConnection::connect(server.port(), "127.0.0.1", bound);
    if (!c.ok()) {
      good_problem = "connect: " + c.error();
      return;
    }
    good_sent = SteadyClock::now();
    good_problem =
        http_exchange(c, http_get("/"), 200, std::string_view("Hello World"), bound);
    if (good_problem.empty()) good_answered = SteadyClock::now();
  });
  idle.pump_until(connected + bound);
  good.join();

  SteadyClock::time_point first_close = SteadyClock::time_point::max(), last_close{};
  for (std::size_t i = 0; i < idle.size(); ++i) {
    const ConnectionSwarm::Peer& peer = idle.peer(i);
    SCOPED_TRACE("idle connection " + std::to_string(i));
    ASSERT_TRUE(peer.ended() && peer.ended_at)
        << "still open " << ms(SteadyClock::now() - connected) << " ms after it connected, with "
        << "a keep-alive timeout of " << timeout.count() << " ms" << server.log();
    EXPECT_EQ(peer.received, "") << "an idle close sends nothing" << server.log();
    EXPECT_GE(*peer.ended_at - connected, timeout - kEarlyTolerance)
        << "closed before the keep-alive timeout had passed" << server.log();
    first_close = std::min(first_close, *peer.ended_at);
    last_close = std::max(last_close, *peer.ended_at);
  }
  EXPECT_EQ(good_problem, "") << server.log();
  ASSERT_TRUE(good_sent && good_answered) << "the queued client was never served" << server.log();
  if (multiplexes) {
    EXPECT_LT(*good_answered, first_close)
        << target().arch << " multiplexes connections: the client must not wait for the idle "
        << "ones to be closed" << server.log();
  }
  std::cout << "[ KEEPALIVE] " << target_label() << ": " << idle_count
            << " idle connections, keep-alive timeout " << timeout.count()
            << " ms; closed from " << ms(first_close - connected) << " to "
            << ms(last_close - connected) << " ms after connecting; the queued client was "
            << "answered in " << ms(*good_answered - *good_sent) << " ms" << std::endl;
  EXPECT_EQ(server.health_problem(), "") << server.log();
}

TEST(KeepAlive, EachReplyRestartsTheClockAndABusyConnectionStaysOpen) {
  const milliseconds timeout = keepalive_timeout();
  ServerUnderTest server("http", keepalive_flag());
  START_OR_SKIP_WITHOUT_FLAG(server, "--keepalive-timeout-ms");
  TestConnection c = TestConnection::connect(server.port());
  ASSERT_TRUE(c.ok()) << c.error() << server.log();
  // Three timeouts' worth of requests, one every third of the timeout: never idle long enough.
  for (int i = 0; i < 9; ++i) {
    ASSERT_EQ(http_exchange(c, http_get("/"), 200, std::string_view("Hello World"), kIoTimeout),
              "")
        << "request " << i << " on a connection never idle for the timeout" << server.log();
    std::this_thread::sleep_for(timeout / 3);
  }
  ASSERT_EQ(http_exchange(c, http_get("/"), 200, std::string_view("Hello World"), kIoTimeout),
            "")
      << server.log();
  const auto replied = SteadyClock::now();
  const std::string after = c.read_until_eof(timeout + kRoundSlack + kFixedSlack);
  const auto closed = SteadyClock::now();
  EXPECT_TRUE(c.saw_eof() || c.saw_reset())
      << "not closed " << ms(closed - replied) << " ms after its last reply" << server.log();
  EXPECT_EQ(after, "") << server.log();
  EXPECT_GE(closed - replied, timeout - kEarlyTolerance) << server.log();
  std::cout << "[ KEEPALIVE] " << target_label() << ": closed " << ms(closed - replied)
            << " ms after the last reply (timeout " << timeout.count() << " ms)" << std::endl;
  EXPECT_EQ(server.health_problem(), "") << server.log();
}

TEST(KeepAlive, AnUpgradedWebSocketIsNotClosedForBeingQuiet) {
  const milliseconds timeout = keepalive_timeout();
  ServerUnderTest server("websocket", keepalive_flag());
  START_OR_SKIP_WITHOUT_FLAG(server, "--keepalive-timeout-ms");
  TestConnection c = TestConnection::connect(server.port());
  ASSERT_TRUE(c.ok()) << c.error() << server.log();
  ASSERT_EQ(open_websocket(c, kIoTimeout), "") << server.log();
  std::this_thread::sleep_for(timeout * 2 + milliseconds(300));
  ASSERT_TRUE(c.send_all(masked_frame(websocket::Opcode::kText, "still here")));
  std::string error;
  const std::optional<ServerFrame> echo = read_websocket_frame(c, kIoTimeout, error);
  ASSERT_TRUE(echo) << error << server.log();
  EXPECT_EQ(echo->payload, "still here");
  c.close();  // iterative serves one connection at a time: the health probe comes next
  EXPECT_EQ(server.health_problem(), "") << server.log();
}

}  // namespace
}  // namespace archbench::failures
