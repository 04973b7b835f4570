// Case 3 of issue #8: slowloris against --header-timeout-ms, and its body-side cousin, the slow
// POST, against --body-timeout-ms.
//
// K connections each send an HTTP header one byte every kDribbleInterval and never finish it.
// The contract (protocols/http/request_clock.h): the clock of a request starts at the first
// byte of its header section; when the section is not complete `header_timeout_ms` later the
// server answers 408 with "Connection: close" and closes. Idle connections with nothing
// buffered have no deadline.
//
// What each design predicts, and what is asserted:
//  - designs that multiplex connections (select_loop, event_loop, asio, reactor, a thread per
//    connection; Target::capacity 0) answer a well-behaved client while the slow ones are still
//    dribbling: its reply arrives before the first 408;
//  - blocking designs with a fixed number of slots (iterative, prefork, worker_pool, a thread
//    pool, fork_limited / socketpair_workers at --max-procs) may stall: each slot holds a slow
//    connection until its 408, so the slow ones are cleared `capacity` at a time and the good
//    client is served within ceil(K / capacity) header timeouts plus slack;
//  - in every design each slow connection gets the 408 (never before the timeout has passed
//    since its first byte was sent), a keep-alive connection that sits idle for longer than the
//    timeout is still served, and the server passes the survival check afterwards.
// Latencies are printed for the per-architecture table, never asserted as speeds.
//
// The flag may not exist yet in a tree: a server that rejects it (exit status 2) makes the
// cases skip with a message instead of failing.
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

constexpr std::size_t kSlowConnections = 20;
constexpr milliseconds kDribbleInterval{200};
// Per round of slow connections (a reaping interval, scheduling on a loaded machine) and once.
constexpr milliseconds kRoundSlack{600};
constexpr milliseconds kFixedSlack{3000};
// The server reads the clock after the bytes arrive, so a 408 can never come sooner than the
// timeout after the first byte was sent; this only absorbs clock-reading granularity.
constexpr milliseconds kEarlyTolerance{20};

long long ms(SteadyClock::duration d) {
  return std::chrono::duration_cast<milliseconds>(d).count();
}

// A header that never ends: the slow connections send it a byte at a time.
std::string endless_header(std::string_view request_head) {
  return std::string(request_head) + "X-Slow: " + std::string(4000, 'a');
}

// How long K slow connections can hold the design, per the predictions above.
milliseconds slow_phase_bound(std::size_t slow, milliseconds timeout) {
  const std::size_t capacity = static_cast<std::size_t>(target().capacity);
  const std::size_t rounds = capacity == 0 ? 1 : (slow + capacity - 1) / capacity;
  return static_cast<long>(rounds) * (timeout + kRoundSlack) + kFixedSlack;
}

bool multiplexes(std::size_t slow) {
  return target().capacity == 0 || static_cast<std::size_t>(target().capacity) > slow;
}

// Dribbles `header` into every live peer that has no answer yet, one byte per interval, until
// all were closed or `deadline`. Calls `at_second_byte` once, right after the second byte was
// queued (by then every slow connection's header clock is running).
template <typename Callback>
void dribble(ConnectionSwarm& swarm, const std::string& header, SteadyClock::time_point deadline,
             Callback at_second_byte) {
  std::size_t next = 0;
  auto next_tick = SteadyClock::now();
  while (swarm.live_count() > 0 && SteadyClock::now() < deadline) {
    if (SteadyClock::now() >= next_tick && next < header.size()) {
      for (std::size_t i = 0; i < swarm.size(); ++i) {
        if (swarm.peer(i).received.empty()) swarm.queue(i, header.substr(next, 1));
      }
      if (++next == 2) at_second_byte();
      next_tick += kDribbleInterval;
    }
    swarm.pump_once(std::min(next_tick, deadline));
  }
}

// The 408 checks every slow connection gets; returns when the first and last 408 arrived.
std::pair<SteadyClock::time_point, SteadyClock::time_point> expect_every_408(
    const ConnectionSwarm& swarm, SteadyClock::time_point first_byte_sent, milliseconds timeout,
    ServerUnderTest& server) {
  SteadyClock::time_point first = SteadyClock::time_point::max(), last{};
  for (std::size_t i = 0; i < swarm.size(); ++i) {
    const ConnectionSwarm::Peer& peer = swarm.peer(i);
    SCOPED_TRACE("slow connection " + std::to_string(i));
    EXPECT_TRUE(peer.ended()) << "not closed; received \"" << printable(peer.received) << "\""
                              << server.log();
    EXPECT_EQ(check_http_refusal(peer.received, 408), "")
        << "(" << peer.describe_end() << ", " << peer.sent << " header bytes sent)" << server.log();
    if (!peer.first_reply) continue;
    EXPECT_GE(*peer.first_reply - first_byte_sent, timeout - kEarlyTolerance)
        << "408 before the header timeout had passed" << server.log();
    first = std::min(first, *peer.first_reply);
    last = std::max(last, *peer.first_reply);
  }
  return {first, last};
}

struct GoodClient {
  std::string problem;
  std::optional<SteadyClock::time_point> sent, answered;
  milliseconds idle_for{0};
};

// A request on a keep-alive connection during the attack, then (after idling longer than the
// header timeout with nothing buffered, which must not count as a slow header) a second one.
void run_good_client(std::uint16_t port, milliseconds timeout, milliseconds reply_bound,
                     GoodClient& out) {
  TestConnection c = TestConnection::connect(port, "127.0.0.1", reply_bound);
  if (!c.ok()) {
    out.problem = "connect: " + c.error();
    return;
  }
  out.sent = SteadyClock::now();
  std::string problem =
      http_exchange(c, http_get("/"), 200, std::string_view("Hello World"), reply_bound);
  if (!problem.empty()) {
    out.problem = "the request during the attack: " + problem;
    return;
  }
  out.answered = SteadyClock::now();
  out.idle_for = timeout + milliseconds(500);
  std::this_thread::sleep_for(out.idle_for);
  problem = http_exchange(c, http_get("/json"), 200,
                          std::string_view(R"({"message":"Hello, World!"})"), kIoTimeout);
  if (!problem.empty()) out.problem = "the request after idling: " + problem;
}

TEST(Slowloris, SlowHttpHeadersGet408AndAGoodClientIsServed) {
  const milliseconds timeout{target().header_timeout_ms};
  ServerUnderTest server("http", {"--header-timeout-ms", std::to_string(timeout.count())});
  START_OR_SKIP_WITHOUT_FLAG(server, "--header-timeout-ms");
  const milliseconds bound = slow_phase_bound(kSlowConnections, timeout);

  // A connection that stays idle (nothing sent) through the attack: it has no deadline. Only
  // where it does not take one of a few slots for the whole case.
  TestConnection idle;
  if (multiplexes(kSlowConnections)) {
    idle = TestConnection::connect(server.port());
    ASSERT_TRUE(idle.ok()) << idle.error() << server.log();
  }

  ConnectionSwarm slow;
  std::string error;
  ASSERT_TRUE(slow.open(server.port(), kSlowConnections, error)) << error << server.log();
  const auto first_byte_sent = SteadyClock::now();
  GoodClient good;
  std::thread good_thread;
  dribble(
      slow, endless_header("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"), first_byte_sent + bound, [&] {
        good_thread = std::thread([&] { run_good_client(server.port(), timeout, bound, good); });
      });
  if (good_thread.joinable()) good_thread.join();

  const auto [first_408, last_408] = expect_every_408(slow, first_byte_sent, timeout, server);
  EXPECT_EQ(good.problem, "") << server.log();
  ASSERT_TRUE(good.sent && good.answered) << "the good client never got its reply" << server.log();
  const long long good_latency = ms(*good.answered - *good.sent);
  if (multiplexes(kSlowConnections)) {
    EXPECT_LT(*good.answered, first_408)
        << target().arch << " multiplexes connections, so the good client must be answered "
        << "while the slow ones dribble; its reply took " << good_latency << " ms, the first 408 "
        << "came " << ms(first_408 - first_byte_sent) << " ms after the first slow byte"
        << server.log();
    EXPECT_EQ(http_exchange(idle, http_get("/"), 200, std::string_view("Hello World"), kIoTimeout),
              "")
        << "a connection idle since before the attack (nothing buffered, no deadline)"
        << server.log();
  }

  std::cout << "[ SLOWLORIS] " << target_label() << ": " << kSlowConnections
            << " slow connections, header timeout " << timeout.count() << " ms, capacity "
            << (target().capacity == 0 ? std::string("unbounded")
                                       : std::to_string(target().capacity))
            << "; good client answered in " << good_latency << " ms; 408s from "
            << (first_408 == SteadyClock::time_point::max() ? -1 : ms(first_408 - first_byte_sent))
            << " to " << ms(last_408 - first_byte_sent) << " ms after the first slow byte; "
            << "keep-alive idle " << good.idle_for.count() << " ms then served" << std::endl;
  ::testing::Test::RecordProperty("good_latency_ms", static_cast<int>(good_latency));
  EXPECT_EQ(server.health_problem(), "") << server.log();
}

// The WebSocket protocol parses its handshake with the same HTTP parser: a handshake that never
// completes gets the 408 too.
TEST(Slowloris, SlowWebSocketHandshakesGet408) {
  constexpr std::size_t kSlowHandshakes = 3;
  const milliseconds timeout{target().header_timeout_ms};
  ServerUnderTest server("websocket", {"--header-timeout-ms", std::to_string(timeout.count())});
  START_OR_SKIP_WITHOUT_FLAG(server, "--header-timeout-ms");
  const milliseconds bound = slow_phase_bound(kSlowHandshakes, timeout);
  ConnectionSwarm slow;
  std::string error;
  ASSERT_TRUE(slow.open(server.port(), kSlowHandshakes, error)) << error << server.log();
  const auto first_byte_sent = SteadyClock::now();
  dribble(slow,
          endless_header("GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                         "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"),
          first_byte_sent + bound, [] {});
  expect_every_408(slow, first_byte_sent, timeout, server);
  EXPECT_EQ(server.health_problem(), "") << server.log();
}

// The slow POST (R-U-Dead-Yet): complete headers announcing a body, a few body bytes, then
// nothing. --body-timeout-ms bounds the gap between body reads; each stalled request gets a 408
// no sooner than the timeout after its last body byte, and blocking designs get their slots back.
TEST(SlowBody, StalledBodiesGet408AndAGoodClientIsServed) {
  const milliseconds timeout{target().header_timeout_ms};
  ServerUnderTest server("http", {"--body-timeout-ms", std::to_string(timeout.count())});
  START_OR_SKIP_WITHOUT_FLAG(server, "--body-timeout-ms");
  const std::size_t stalled_count =
      target().capacity == 0 ? 4 : static_cast<std::size_t>(target().capacity);
  const milliseconds bound = slow_phase_bound(stalled_count, timeout);
  ConnectionSwarm stalled;
  std::string error;
  ASSERT_TRUE(stalled.open(server.port(), stalled_count, error)) << error << server.log();
  for (std::size_t i = 0; i < stalled.size(); ++i) {
    stalled.queue(i, "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n" +
                         std::string(10, 'b'));
  }
  const auto body_sent = SteadyClock::now();
  GoodClient good;
  std::thread good_thread([&] {
    TestConnection c = TestConnection::connect(server.port(), "127.0.0.1", bound);
    good.sent = SteadyClock::now();
    good.problem = c.ok() ? http_exchange(c, http_get("/"), 200, std::string_view("Hello World"),
                                          bound)
                          : "connect: " + c.error();
    if (good.problem.empty()) good.answered = SteadyClock::now();
  });
  stalled.pump_until(body_sent + bound);
  good_thread.join();

  const auto [first_408, last_408] = expect_every_408(stalled, body_sent, timeout, server);
  EXPECT_EQ(good.problem, "") << server.log();
  ASSERT_TRUE(good.sent && good.answered) << "the good client never got its reply" << server.log();
  if (multiplexes(stalled_count)) {
    EXPECT_LT(*good.answered, first_408)
        << target().arch << " multiplexes connections: the good client must not wait for the "
        << "stalled bodies' 408s" << server.log();
  }
  std::cout << "[ SLOW BODY] " << target_label() << ": " << stalled_count
            << " stalled bodies, body timeout " << timeout.count() << " ms; 408s from "
            << (first_408 == SteadyClock::time_point::max() ? -1 : ms(first_408 - body_sent))
            << " to " << ms(last_408 - body_sent) << " ms after the last body byte; good client "
            << "answered in " << ms(*good.answered - *good.sent) << " ms" << std::endl;
  EXPECT_EQ(server.health_problem(), "") << server.log();
}

}  // namespace
}  // namespace archbench::failures
