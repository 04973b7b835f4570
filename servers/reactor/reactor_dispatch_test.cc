// reactor: which worker handles which request, per --dispatch-mode, as --trace shows it.
//
// The trace lines used (servers/reactor/worker_requests.cc, reactor_thread.cc):
//   trace: serve 127.0.0.1:<port> session=<S> reactor=<R> pid=<master> tid=<reactor thread>
//   trace: open 127.0.0.1:<port> session=<S> worker=<W> pid=<worker pid> ...   (the owner)
//   trace: request session=<S> seq=<N> worker=<W> pid=<worker pid> ...
//   trace: close 127.0.0.1:<port> session=<S> worker=<W> pid=<worker pid> ...
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "servers/process/architecture_test_support.h"
#include "servers/reactor/reactor_test_support.h"

namespace archbench::reactor::testing {
namespace {

using archbench::testing::local_port;
using archbench::testing::wait_until;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Worker slots that handled the requests of `session`, in request order.
std::vector<int> request_workers(const std::string& log, std::uint64_t session) {
  std::map<std::uint32_t, int> by_seq;
  for (const TraceLine& line : trace_lines(log)) {
    if (line.event == "request" && line.session == session) by_seq[line.seq] = line.worker;
  }
  std::vector<int> workers;
  for (const auto& [seq, worker] : by_seq) workers.push_back(worker);
  return workers;
}

int event_worker(const std::string& log, const std::string& event, std::uint64_t session) {
  for (const TraceLine& line : trace_lines(log)) {
    if (line.event == event && line.session == session) return line.worker;
  }
  return -1;
}

// Sends `n` sequential GET / on one connection; returns its session id.
std::uint64_t run_requests(ServerProcess& server, HttpClient& client, int n) {
  for (int i = 0; i < n; ++i) {
    std::optional<http::ParsedResponse> r = client.get("/");
    EXPECT_TRUE(r && r->status == 200) << client.error();
  }
  std::optional<std::uint64_t> session;
  wait_until([&] { return (session = session_of(server.stderr_text(), local_port(client.connection()))).has_value(); },
             seconds(5));
  EXPECT_TRUE(session.has_value());
  return session.value_or(0);
}

TEST(ReactorDispatchTest, RoundRobinSpreadsOneConnectionsRequestsOverTheWorkers) {
  ServerProcess server = start_reactor(
      {"--protocol", "http", "--reactors", "1", "--workers", "2", "--dispatch-mode", "1", "--trace"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  HttpClient client(server.port());
  const std::uint64_t session = run_requests(server, client, 6);
  ASSERT_TRUE(wait_until([&] { return request_workers(server.stderr_text(), session).size() == 6; },
                         seconds(5)));
  const std::vector<int> workers = request_workers(server.stderr_text(), session);
  for (std::size_t i = 1; i < workers.size(); ++i) {
    EXPECT_NE(workers[i], workers[i - 1]) << "request " << i << " went to the same worker again";
  }
}

TEST(ReactorDispatchTest, FixedModeKeepsEveryRequestOfAConnectionOnItsOwner) {
  ServerProcess server = start_reactor(
      {"--protocol", "http", "--reactors", "2", "--workers", "3", "--dispatch-mode", "2", "--trace"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  std::set<int> used;
  for (int c = 0; c < 6; ++c) {
    HttpClient client(server.port());
    const std::uint64_t session = run_requests(server, client, 5);
    const std::string log = server.stderr_text();
    const std::vector<int> workers = request_workers(log, session);
    ASSERT_EQ(workers.size(), 5u) << log;
    for (int w : workers) EXPECT_EQ(w, static_cast<int>(session % 3)) << "session " << session;
    EXPECT_EQ(event_worker(log, "open", session), static_cast<int>(session % 3));
    used.insert(workers[0]);
  }
  EXPECT_EQ(used.size(), 3u) << "six connections should use all three workers";
}

TEST(ReactorDispatchTest, IdleModeAvoidsTheBusyWorker) {
  ServerProcess server = start_reactor(
      {"--protocol", "http", "--reactors", "1", "--workers", "2", "--dispatch-mode", "3", "--trace"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  HttpClient sleeper(server.port());
  ASSERT_TRUE(sleeper.connection().send_all("GET /sleep?ms=1500 HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<std::uint64_t> sleeper_session;
  ASSERT_TRUE(wait_until(
      [&] {
        sleeper_session = session_of(server.stderr_text(), local_port(sleeper.connection()));
        return sleeper_session && !request_workers(server.stderr_text(), *sleeper_session).empty();
      },
      seconds(5)));
  const int busy = request_workers(server.stderr_text(), *sleeper_session)[0];
  HttpClient client(server.port());
  const std::uint64_t session = run_requests(server, client, 6);
  for (int w : request_workers(server.stderr_text(), session)) {
    EXPECT_NE(w, busy) << "a request went to the worker with a request in flight";
  }
}

// A connection from a chosen loopback address (127.0.0.0/8 is all ours).
TestConnection connect_from(const char* source, std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  inet_pton(AF_INET, source, &local.sin_addr);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof(remote)) != 0) {
    ::close(fd);
    return TestConnection();
  }
  return TestConnection(fd);
}

TEST(ReactorDispatchTest, ByIpModeSendsEachAddressToOneWorker) {
  ServerProcess server = start_reactor(
      {"--protocol", "eof", "--reactors", "2", "--workers", "2", "--dispatch-mode", "4", "--trace"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  const std::map<std::string, int> expected = {{"127.0.0.2", 0}, {"127.0.0.3", 1}};  // address % 2
  for (const auto& [address, worker] : expected) {
    for (int c = 0; c < 3; ++c) {
      TestConnection conn = connect_from(address.c_str(), server.port());
      ASSERT_TRUE(conn.ok()) << address;
      for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(conn.send_and_receive("m\r\n", 3), "m\r\n");
      }
      const std::string peer = address + ":" + std::to_string(local_port(conn));
      std::uint64_t session = 0;
      ASSERT_TRUE(wait_until(
          [&] {
            for (const TraceLine& l : trace_lines(server.stderr_text())) {
              if (l.event == "serve" && l.peer == peer) session = l.session;
            }
            return session != 0 && request_workers(server.stderr_text(), session).size() == 3;
          },
          seconds(5)));
      for (int w : request_workers(server.stderr_text(), session)) {
        EXPECT_EQ(w, worker) << peer;
      }
    }
  }
}

// Open and close events go to the connection's owner in every mode, even where its requests go
// to other workers (Swoole would route them by the dispatch mode too).
TEST(ReactorDispatchTest, OpenAndCloseReachTheOwnerInRoundRobinMode) {
  ServerProcess server = start_reactor(
      {"--protocol", "http", "--reactors", "1", "--workers", "3", "--dispatch-mode", "1", "--trace"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  for (int c = 0; c < 4; ++c) {
    std::uint64_t session = 0;
    {
      HttpClient client(server.port());
      session = run_requests(server, client, 4);
    }
    ASSERT_TRUE(wait_until([&] { return event_worker(server.stderr_text(), "close", session) >= 0; },
                           seconds(5)))
        << server.stderr_text();
    const std::string log = server.stderr_text();
    EXPECT_EQ(event_worker(log, "open", session), event_worker(log, "close", session));
    const std::vector<int> workers = request_workers(log, session);
    EXPECT_EQ(std::set<int>(workers.begin(), workers.end()).size(), 3u);
  }
}

}  // namespace
}  // namespace archbench::reactor::testing
