// reactor: every protocol through reactor threads and worker processes, byte for byte.
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>

#include "protocols/framing/length_framer.h"
#include "protocols/http/application.h"
#include "protocols/websocket/test_peer.h"
#include "servers/process/architecture_test_support.h"
#include "servers/reactor/reactor_test_support.h"

namespace archbench::reactor::testing {
namespace {

using archbench::testing::local_port;
using archbench::testing::random_bytes;
using std::chrono::milliseconds;
using std::chrono::seconds;

// 24 connections x 40 pipelined HTTP requests of four kinds, answered by workers chosen
// round-robin per request: every body exact, every reply in request order.
TEST(ReactorProtocolsTest, HttpIsExactAndInOrderOverManyConnectionsAndWorkers) {
  ServerProcess server = start_reactor(
      {"--protocol", "http", "--reactors", "2", "--workers", "3", "--dispatch-mode", "1"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  constexpr int kClients = 24, kRounds = 10;
  std::vector<std::string> errors(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      HttpClient client(server.port());
      for (int round = 0; round < kRounds && errors[i].empty(); ++round) {
        const std::string body = random_bytes(1 + (i * 7919 + round * 104729) % 70000, i * 100 + round);
        const std::size_t n = (i * 31 + round * 17) % 5000;
        // Four requests in one write; the slow one first, so later replies are ready earlier
        // (on other workers) and must wait for it.
        const std::string request =
            "GET /sleep?ms=" + std::to_string(round % 3 * 10) + " HTTP/1.1\r\nHost: h\r\n\r\n" +
            "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\n\r\n" + body + "GET /bytes?n=" + std::to_string(n) + " HTTP/1.1\r\nHost: h\r\n\r\n" +
            "GET /json HTTP/1.1\r\nHost: h\r\n\r\n";
        std::vector<http::ParsedResponse> r = client.exchange(request, 4, seconds(10));
        if (r.size() != 4) {
          errors[i] = "round " + std::to_string(round) + ": " + client.error();
          break;
        }
        if (r[0].body != "slept " + std::to_string(round % 3 * 10) + " ms") errors[i] = "sleep body";
        if (r[1].body != body) errors[i] = "echo body differs";
        if (r[2].body != http::bytes_body(n)) errors[i] = "bytes body differs";
        if (r[3].body != R"({"message":"Hello, World!"})") errors[i] = "json body";
        for (const auto& response : r) {
          if (response.status != 200) errors[i] = "status " + std::to_string(response.status);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kClients; ++i) EXPECT_EQ(errors[i], "") << "client " << i;
}

// 100 pipelined requests whose replies (10 MB) far exceed the reactor's output high-water mark
// and its in-flight window: the reactor pauses and resumes the connection many times, and every
// reply comes back, in order, byte for byte.
TEST(ReactorProtocolsTest, DeepPipeliningPastEveryLimitIsAnsweredInFull) {
  ServerProcess server = start_reactor(
      {"--protocol", "http", "--reactors", "1", "--workers", "2", "--dispatch-mode", "3"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  HttpClient client(server.port());
  std::string requests;
  for (int i = 0; i < 100; ++i) {
    requests += "GET /bytes?n=" + std::to_string(100000 + i) + " HTTP/1.1\r\nHost: h\r\n\r\n";
  }
  std::vector<http::ParsedResponse> r = client.exchange(requests, 100, seconds(30));
  ASSERT_EQ(r.size(), 100u) << client.error();
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(r[i].body.size(), static_cast<std::size_t>(100000 + i)) << i;
    EXPECT_TRUE(r[i].body == http::bytes_body(100000 + i)) << i;
  }
}

// Echo through the idle-worker dispatch: 32 connections, random sizes, exact bytes.
TEST(ReactorProtocolsTest, EchoIsExactOverManyConnections) {
  ServerProcess server = start_reactor(
      {"--protocol", "echo", "--reactors", "2", "--workers", "2", "--dispatch-mode", "3"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  constexpr int kClients = 32;
  std::vector<std::string> sent(kClients), received(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    sent[i] = random_bytes(1 + (i * 48271) % (400 << 10), 500 + i);
    threads.emplace_back([&, i] {
      TestConnection c = TestConnection::connect(server.port());
      received[i] = c.send_and_receive(sent[i], sent[i].size(), seconds(20));
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(received[i].size(), sent[i].size()) << i;
    EXPECT_TRUE(received[i] == sent[i]) << "client " << i << " got different bytes";
  }
}

// EOF framing in the reactor: many messages per write, one message over many writes, replies
// never merged; an oversized message closes only its connection, with the suite's log line.
TEST(ReactorProtocolsTest, EofFramingSplitsInTheReactorAndLimitsPerConnection) {
  ServerProcess server = start_reactor({"--protocol", "eof", "--package-max-length", "64",
                                        "--workers", "2", "--dispatch-mode", "1"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  TestConnection c = TestConnection::connect(server.port());
  std::string many;
  for (int i = 0; i < 50; ++i) many += "m" + std::to_string(i) + "\r\n";
  many += "\r\n";  // an empty message is valid
  EXPECT_EQ(c.send_and_receive(many, many.size()), many);
  for (char ch : std::string("split\r\n")) ASSERT_TRUE(c.send_all(std::string(1, ch)));
  EXPECT_EQ(c.read_until("\r\n"), "split\r\n");

  TestConnection bad = TestConnection::connect(server.port());
  ASSERT_TRUE(bad.send_all("ok\r\n" + std::string(100, 'x') + "\n"));
  EXPECT_EQ(bad.read_until_eof(seconds(5)), "ok\r\n");
  EXPECT_TRUE(wait_for_log(server, "exceeds package_max_length 64")) << server.stderr_text();
  EXPECT_TRUE(wait_for_log(server, "different delimiter")) << server.stderr_text();
  // The other connection is unaffected.
  EXPECT_EQ(c.send_and_receive("still\r\n", 7), "still\r\n");
}

// Length framing: frames of every size echoed; an ASCII "GET " header is logged with its likely
// cause and closes that connection only.
TEST(ReactorProtocolsTest, LengthFramingLogsTheLikelyCauseOfAnImplausibleLength) {
  ServerProcess server = start_reactor({"--protocol", "length", "--workers", "2"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  TestConnection c = TestConnection::connect(server.port());
  std::string frames;
  for (std::size_t n : {0, 1, 1000, 70000, 1 << 20}) {
    framing::encode_length_frame(random_bytes(n, static_cast<std::uint32_t>(n)), frames);
  }
  EXPECT_TRUE(c.send_and_receive(frames, frames.size(), seconds(10)) == frames);

  TestConnection http_client = TestConnection::connect(server.port());
  ASSERT_TRUE(http_client.send_all("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(http_client.read_until_eof(seconds(5)), "");
  EXPECT_TRUE(wait_for_log(server, "looks like an HTTP request")) << server.stderr_text();
  std::string one;
  framing::encode_length_frame("after", one);
  EXPECT_EQ(c.send_and_receive(one, one.size()), one);
}

// HTTP bad input is answered by the reactor thread itself, after the replies owed before it.
TEST(ReactorProtocolsTest, BadHttpIsAnsweredInOrderThenClosed) {
  ServerProcess server = start_reactor({"--protocol", "http", "--workers", "2", "--dispatch-mode", "1"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  HttpClient client(server.port());
  std::vector<http::ParsedResponse> r = client.exchange(
      "GET /sleep?ms=50 HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
      2);
  ASSERT_EQ(r.size(), 2u) << client.error();
  EXPECT_EQ(r[0].status, 200);
  EXPECT_EQ(r[0].body, "slept 50 ms");
  EXPECT_EQ(r[1].status, 400);  // no Host in HTTP/1.1
  EXPECT_FALSE(r[1].keep_alive);
  EXPECT_EQ(client.connection().read_until_eof(seconds(2)), "");

  HttpClient big(server.port());
  r = big.exchange("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999\r\n\r\n", 1);
  ASSERT_EQ(r.size(), 1u) << big.error();
  EXPECT_EQ(r[0].status, 413);
}

// A reply for a connection that is gone by the time the worker answers is dropped by the
// reactor (session ids are never reused, so it cannot reach a newer connection on the same fd).
TEST(ReactorProtocolsTest, AReplyForAConnectionThatClosedMeanwhileIsDropped) {
  ServerProcess server = start_reactor({"--protocol", "http", "--workers", "1", "--trace"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  {
    HttpClient leaving(server.port());
    ASSERT_TRUE(leaving.connection().send_all("GET /sleep?ms=200 HTTP/1.1\r\nHost: h\r\n\r\n"));
    ASSERT_TRUE(wait_for_log(server, "trace: request session=1 seq=1"));
    linger abort_on_close{1, 0};  // close with RST: the reactor closes its side at once
    ::setsockopt(leaving.connection().fd(), SOL_SOCKET, SO_LINGER, &abort_on_close,
                 sizeof(abort_on_close));
  }
  // Meanwhile new connections (likely on the same descriptor number) are served normally.
  HttpClient next(server.port());
  std::optional<http::ParsedResponse> r = next.get("/");
  ASSERT_TRUE(r) << next.error();
  EXPECT_EQ(r->body, "Hello World");
  EXPECT_TRUE(wait_for_log(server, "trace: dropped reply session=1 seq=1 (connection closed)"))
      << server.stderr_text();
  r = next.get("/json");
  ASSERT_TRUE(r) << next.error();
  EXPECT_EQ(r->status, 200);
}

// GET /task hands the job to a task worker: the same (only) worker answers other requests
// meanwhile, and the task's own reply comes when the job is done.
TEST(ReactorProtocolsTest, TaskDoesNotBlockTheWorker) {
  ServerProcess server = start_reactor({"--protocol", "http", "--workers", "1", "--task-workers",
                                        "1", "--trace"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  HttpClient tasker(server.port());
  ASSERT_TRUE(tasker.connection().send_all("GET /task?ms=2500 HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(wait_for_log(server, "trace: task 1 "));
  HttpClient other(server.port());
  for (int i = 0; i < 20; ++i) {
    std::optional<http::ParsedResponse> r = other.get("/");
    ASSERT_TRUE(r) << other.error();
    EXPECT_EQ(r->body, "Hello World");
  }
  // All 20 were answered while the task still runs.
  EXPECT_EQ(tasker.connection().read_available(milliseconds(1)), "");
  std::vector<http::ParsedResponse> done = tasker.exchange("", 1, seconds(10));
  ASSERT_EQ(done.size(), 1u) << tasker.error();
  EXPECT_EQ(done[0].status, 200);
  EXPECT_EQ(done[0].body.rfind("task 1 done: worked ", 0), 0u) << done[0].body;
}

TEST(ReactorProtocolsTest, TaskResultArrivesAsTheReply) {
  ServerProcess server = start_reactor({"--protocol", "http", "--workers", "1", "--task-workers", "2"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  HttpClient client(server.port());
  std::optional<http::ParsedResponse> r = client.get("/task?ms=30");
  ASSERT_TRUE(r) << client.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.rfind("task 1 done: worked ", 0), 0u) << r->body;
  r = client.get("/task?ms=nope");
  ASSERT_TRUE(r) << client.error();
  EXPECT_EQ(r->status, 400);
}

// A bounded queue: beyond --task-max-pending the worker answers 503 at once, with the reason.
TEST(ReactorProtocolsTest, AFullTaskQueueAnswers503InsteadOfBlocking) {
  ServerProcess server = start_reactor({"--protocol", "http", "--workers", "1", "--task-workers",
                                        "1", "--task-max-pending", "2"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  HttpClient a(server.port()), b(server.port()), c(server.port());
  ASSERT_TRUE(a.connection().send_all("GET /task?ms=300 HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(b.connection().send_all("GET /task?ms=300 HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::this_thread::sleep_for(milliseconds(100));  // both queued in the worker
  std::optional<http::ParsedResponse> refused = c.get("/task?ms=300", milliseconds(1000));
  ASSERT_TRUE(refused) << c.error();
  EXPECT_EQ(refused->status, 503);
  EXPECT_NE(refused->body.find("task queue full"), std::string::npos) << refused->body;
  std::vector<http::ParsedResponse> ra = a.exchange("", 1, seconds(5));
  std::vector<http::ParsedResponse> rb = b.exchange("", 1, seconds(5));
  ASSERT_EQ(ra.size(), 1u);
  ASSERT_EQ(rb.size(), 1u);
  EXPECT_EQ(ra[0].status, 200);
  EXPECT_EQ(rb[0].status, 200);
  // And the connection that got 503 still works.
  std::optional<http::ParsedResponse> again = c.get("/");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
}

// The heartbeat closes a quiet connection within idle + check interval (plus scheduling slack on
// a busy machine), not before the idle time, and spares a connection that keeps talking.
TEST(ReactorProtocolsTest, HeartbeatClosesIdleConnectionsOnly) {
  ServerProcess server = start_reactor({"--protocol", "echo", "--heartbeat-idle-ms", "500",
                                        "--heartbeat-check-ms", "50"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  TestConnection idle = TestConnection::connect(server.port());
  TestConnection talking = TestConnection::connect(server.port());
  const auto start = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::duration> closed_after;
  for (int i = 0; i < 15; ++i) {  // 1.5 s, talking every 100 ms
    ASSERT_TRUE(talking.send_all("x"));
    ASSERT_EQ(talking.read_exactly(1, seconds(2)), "x") << "the talking connection was closed";
    idle.read_available(milliseconds(100));
    if (!closed_after && idle.saw_eof()) closed_after = std::chrono::steady_clock::now() - start;
  }
  ASSERT_TRUE(closed_after.has_value()) << "the idle connection was not closed in 1.5 s";
  EXPECT_GE(*closed_after, milliseconds(450));
  EXPECT_LT(*closed_after, milliseconds(500 + 50 + 900));
  EXPECT_NE(server.stderr_text().find("heartbeat: idle for"), std::string::npos);
}

// A client that sends and never reads: the reactor stops reading it, so the server's memory
// (master, manager, workers together) stays bounded, and nothing is lost once it reads.
TEST(ReactorProtocolsTest, AClientThatDoesNotReadCannotGrowServerMemory) {
  ServerProcess server = start_reactor({"--protocol", "echo", "--workers", "2"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  auto tree_rss = [&] {
    long total = rss_kib(server.pid());
    for (pid_t p : descendants(server.pid())) total += rss_kib(p);
    return total;
  };
  const long before = tree_rss();
  TestConnection stubborn = TestConnection::connect(server.port());
  const std::string chunk = random_bytes(256 << 10, 3);
  std::size_t stuffed = 0;
  for (int i = 0; i < 512; ++i) {  // at most 128 MiB
    if (!stubborn.send_all(chunk, milliseconds(500))) break;
    stuffed += chunk.size();
  }
  const long during = tree_rss();
  EXPECT_LT(stuffed, std::size_t{32} << 20) << "the server kept reading a client that does not read";
  EXPECT_LT(during - before, 48 * 1024) << "server memory grew by " << (during - before) << " KiB";
  stubborn.shutdown_write();
  const std::string echoed = stubborn.read_until_eof(seconds(20));
  EXPECT_GE(echoed.size(), stuffed);
}

// WebSocket: sessions live in their owner workers; /broadcast reaches members owned by other
// workers and other reactor threads.
TEST(ReactorProtocolsTest, BroadcastCrossesWorkersAndReactors) {
  ServerProcess server = start_reactor({"--protocol", "websocket", "--reactors", "2", "--workers",
                                        "3", "--dispatch-mode", "1", "--trace"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  std::vector<TestConnection> members;
  for (int i = 0; i < 6; ++i) {
    members.push_back(TestConnection::connect(server.port()));
    ASSERT_TRUE(members.back().send_all(
        "GET /broadcast HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
    ASSERT_EQ(members.back().read_until("\r\n\r\n").rfind("HTTP/1.1 101 ", 0), 0u);
  }
  // Owners: round-robin over 3 workers, so at least 3 different worker processes own members.
  std::set<pid_t> owners;
  for (const TraceLine& line : trace_lines(server.stderr_text())) {
    if (line.event == "upgrade") owners.insert(line.pid);
  }
  EXPECT_EQ(owners.size(), 3u) << server.stderr_text();
  using websocket::Opcode;
  ASSERT_TRUE(members[4].send_all(websocket::testing::client_frame(Opcode::kText, "hi all")));
  for (auto& m : members) {
    std::vector<websocket::testing::ServerFrame> frames =
        websocket::testing::server_frames(m.read_exactly(8));
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].payload, "hi all");
  }
  // Plain echo on a non-broadcast path still works (a session in one worker).
  TestConnection solo = TestConnection::connect(server.port());
  ASSERT_TRUE(solo.send_all(
      "GET /x HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
  ASSERT_EQ(solo.read_until("\r\n\r\n").rfind("HTTP/1.1 101 ", 0), 0u);
  ASSERT_TRUE(solo.send_all(websocket::testing::client_frame(Opcode::kBinary, "abc")));
  std::vector<websocket::testing::ServerFrame> echo =
      websocket::testing::server_frames(solo.read_exactly(5));
  ASSERT_EQ(echo.size(), 1u);
  EXPECT_EQ(echo[0].opcode, Opcode::kBinary);
  EXPECT_EQ(echo[0].payload, "abc");
}

// The timer protocol runs in the worker that owns the connection: its timers fire from the
// worker's loop, and the worker (not the master) is the process named in the trace.
TEST(ReactorProtocolsTest, TimersRunInTheWorkers) {
  ServerProcess server = start_reactor({"--protocol", "timer", "--workers", "2", "--trace"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  TestConnection c = TestConnection::connect(server.port());
  ASSERT_TRUE(c.send_all("TICK 10 3 t\r\nAFTER 50 a\r\nbogus\r\n"));
  std::vector<std::string> lines;
  for (int i = 0; i < 5; ++i) lines.push_back(c.read_until("\r\n"));
  EXPECT_EQ(lines[0].rfind("ERR ", 0), 0u);
  EXPECT_EQ(std::vector<std::string>(lines.begin() + 1, lines.end()),
            (std::vector<std::string>{"TICK t 1\r\n", "TICK t 2\r\n", "TICK t 3\r\n", "FIRED a\r\n"}));
  const std::string log = server.stderr_text();
  pid_t owner = 0;
  for (const TraceLine& line : trace_lines(log)) {
    if (line.event == "open" && line.peer == "127.0.0.1:" + std::to_string(local_port(c))) owner = line.pid;
  }
  EXPECT_NE(owner, 0) << log;
  EXPECT_NE(owner, server.pid());
}

}  // namespace
}  // namespace archbench::reactor::testing
