// reactor: processes come and go under a bounded load, and no request fails:
// --max-request recycling, kill -9 of a worker or a task worker, SIGUSR1 / SIGUSR2 reloads,
// the bounded wait for stateful sessions, and SIGTERM of the whole tree.
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "servers/process/architecture_test_support.h"
#include "servers/reactor/reactor_test_support.h"

namespace archbench::reactor::testing {
namespace {

using archbench::testing::local_port;
using archbench::testing::wait_until;
using std::chrono::milliseconds;
using std::chrono::seconds;

// The manager is the master's only child; workers and task workers are its children.
pid_t manager_of(const ServerProcess& server) {
  const std::vector<pid_t> children = server.children();
  return children.size() == 1 ? children[0] : 0;
}

std::set<pid_t> manager_children(const ServerProcess& server) {
  const pid_t manager = manager_of(server);
  std::set<pid_t> pids;
  if (manager == 0) return pids;
  for (pid_t p : descendants(manager)) pids.insert(p);
  return pids;
}

// Worker pids (by slot) from the "trace: manager started worker S pid=P" lines, latest first.
std::map<int, pid_t> current_workers(const std::string& log) {
  std::map<int, pid_t> workers;
  const std::string needle = "trace: manager started worker ";
  for (std::size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) {
    const int slot = std::stoi(log.substr(at + needle.size()));
    const std::size_t pid_at = log.find("pid=", at);
    workers[slot] = static_cast<pid_t>(std::stol(log.substr(pid_at + 4)));
  }
  return workers;
}

void expect_stops_cleanly(ServerProcess& server) {
  const std::set<pid_t> tree = descendants(server.pid());
  ASSERT_TRUE(server.send_signal(SIGTERM));
  const std::optional<int> status = server.wait_exit(seconds(2));
  ASSERT_TRUE(status.has_value()) << "still running 2 s after SIGTERM\n" << server.stderr_text();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << server.stderr_text();
  for (pid_t p : tree) EXPECT_FALSE(ServerProcess::is_alive(p)) << "pid " << p << " survived";
}

TEST(ReactorLifecycleTest, MaxRequestRecyclesWorkersWithoutFailingARequest) {
  ServerProcess server = start_reactor({"--protocol", "http", "--workers", "2", "--reactors", "2",
                                        "--dispatch-mode", "1", "--max-request", "300"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  BackgroundLoad load(server.port(), 8, BackgroundLoad::Kind::kHttp);
  ASSERT_TRUE(wait_until([&] { return load.succeeded() >= 3000; }, seconds(30)));
  load.stop();
  EXPECT_EQ(load.failed(), 0) << load.first_failure() << "\n" << server.stderr_text();
  const std::string log = server.stderr_text();
  EXPECT_GE(count_of(log, "): retiring (served "), 8) << log;
  EXPECT_GE(count_of(log, ") retired, exited with status 0"), 6) << log;
  EXPECT_EQ(count_of(log, "unanswered"), 0) << log;
  expect_stops_cleanly(server);
}

TEST(ReactorLifecycleTest, MaxRequestWithOneWorkerAndFixedDispatchLosesNothing) {
  ServerProcess server = start_reactor({"--protocol", "eof", "--workers", "1", "--dispatch-mode",
                                        "2", "--max-request", "100"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  BackgroundLoad load(server.port(), 4, BackgroundLoad::Kind::kEof);
  ASSERT_TRUE(wait_until([&] { return load.succeeded() >= 1500; }, seconds(30)));
  load.stop();
  EXPECT_EQ(load.failed(), 0) << load.first_failure() << "\n" << server.stderr_text();
  EXPECT_GE(count_of(server.stderr_text(), "): retiring (served "), 10);
}

TEST(ReactorLifecycleTest, KillNineOfAWorkerIsRespawnedAndOtherWorkersAreUnaffected) {
  ServerProcess server = start_reactor({"--protocol", "eof", "--workers", "2", "--dispatch-mode",
                                        "2", "--trace"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  // Connections on both workers (fixed mode: session id mod 2).
  std::vector<TestConnection> connections;
  std::map<int, std::vector<TestConnection*>> by_worker;
  for (int i = 0; i < 6; ++i) {
    connections.push_back(TestConnection::connect(server.port()));
    ASSERT_EQ(connections.back().send_and_receive("hi\r\n", 4), "hi\r\n");
  }
  ASSERT_TRUE(wait_until([&] { return current_workers(server.stderr_text()).size() == 2u; }, seconds(5)));
  std::map<int, pid_t> workers = current_workers(server.stderr_text());
  for (auto& c : connections) {
    std::optional<std::uint64_t> session;
    ASSERT_TRUE(wait_until([&] { return (session = session_of(server.stderr_text(), local_port(c))).has_value(); },
                           seconds(5)));
    by_worker[static_cast<int>(*session % 2)].push_back(&c);
  }
  ASSERT_FALSE(by_worker[0].empty());
  ASSERT_FALSE(by_worker[1].empty());

  // Keep the survivors busy while worker 0 dies.
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, answered{0};
  std::thread talker([&] {
    while (!stop) {
      for (TestConnection* c : by_worker[1]) {
        if (c->send_and_receive("x\r\n", 3) != "x\r\n") ++failures;
        else ++answered;
      }
    }
  });
  ASSERT_EQ(::kill(workers[0], SIGKILL), 0);
  ASSERT_TRUE(wait_for_log(server, "killed by signal 9 (Killed); respawning")) << server.stderr_text();
  ASSERT_TRUE(wait_until([&] { return current_workers(server.stderr_text())[0] != workers[0]; }, seconds(5)));
  const int before = answered.load();
  ASSERT_TRUE(wait_until([&] { return answered.load() > before + 20; }, seconds(5)));
  stop = true;
  talker.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(current_workers(server.stderr_text())[1], workers[1]) << "the other worker was replaced";
  // The dead worker's idle connections moved to its successor and still work.
  for (TestConnection* c : by_worker[0]) EXPECT_EQ(c->send_and_receive("again\r\n", 7), "again\r\n");
  // So do new connections.
  TestConnection fresh = TestConnection::connect(server.port());
  EXPECT_EQ(fresh.send_and_receive("new\r\n", 5), "new\r\n");
  expect_stops_cleanly(server);
}

TEST(ReactorLifecycleTest, Sigusr1ReloadsWorkersOneByOneWithoutFailingARequest) {
  ServerProcess server = start_reactor({"--protocol", "http", "--workers", "3", "--reactors", "2",
                                        "--dispatch-mode", "2", "--trace"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  ASSERT_TRUE(wait_until([&] { return current_workers(server.stderr_text()).size() == 3u; }, seconds(5)));
  const std::map<int, pid_t> before = current_workers(server.stderr_text());
  BackgroundLoad load(server.port(), 8, BackgroundLoad::Kind::kHttp);
  ASSERT_TRUE(wait_until([&] { return load.succeeded() >= 500; }, seconds(10)));
  // Three reloads in a row, each under load.
  for (int round = 1; round <= 3; ++round) {
    ASSERT_TRUE(server.send_signal(SIGUSR1));
    ASSERT_TRUE(wait_until(
        [&] { return count_of(server.stderr_text(), ") retired, exited with status 0") >= 3 * round; },
        seconds(15)))
        << server.stderr_text();
    const long at_reload = load.succeeded();
    ASSERT_TRUE(wait_until([&] { return load.succeeded() >= at_reload + 500; }, seconds(10)));
  }
  load.stop();
  EXPECT_EQ(load.failed(), 0) << load.first_failure() << "\n" << server.stderr_text();
  const std::map<int, pid_t> after = current_workers(server.stderr_text());
  for (const auto& [slot, pid] : before) {
    EXPECT_NE(after.at(slot), pid) << "worker " << slot << " was not replaced";
    EXPECT_FALSE(ServerProcess::is_alive(pid));
  }
  // One by one: each "retired" line comes before the next slot's successor starts.
  const std::string log = server.stderr_text();
  const std::size_t first_retired = log.find(") retired,");
  const std::size_t third_start = log.find("trace: manager started worker 2 pid=" + std::to_string(after.at(2)));
  EXPECT_LT(first_retired, third_start) << log;
  expect_stops_cleanly(server);
}

TEST(ReactorLifecycleTest, Sigusr2ReloadsTaskWorkersWithoutFailingATask) {
  ServerProcess server = start_reactor({"--protocol", "http", "--workers", "2", "--task-workers", "2"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  ASSERT_TRUE(wait_until([&] { return manager_children(server).size() == 4u; }, seconds(5)));
  const std::set<pid_t> before = manager_children(server);
  std::atomic<bool> stop{false};
  std::atomic<int> tasks_ok{0}, tasks_failed{0};
  std::vector<std::thread> taskers;
  for (int t = 0; t < 4; ++t) {
    taskers.emplace_back([&] {
      HttpClient client(server.port());
      while (!stop) {
        std::optional<http::ParsedResponse> r = client.get("/task?ms=60", seconds(10));
        if (r && r->status == 200 && r->body.find(" done: worked ") != std::string::npos) {
          ++tasks_ok;
        } else {
          ++tasks_failed;
          return;
        }
      }
    });
  }
  BackgroundLoad load(server.port(), 4, BackgroundLoad::Kind::kHttp);
  ASSERT_TRUE(wait_until([&] { return tasks_ok.load() >= 20; }, seconds(10)));
  ASSERT_TRUE(server.send_signal(SIGUSR2));
  ASSERT_TRUE(wait_until([&] { return count_of(server.stderr_text(), "task worker") >= 2 &&
                                      count_of(server.stderr_text(), ") retired, exited with status 0") >= 2; },
                         seconds(15)))
      << server.stderr_text();
  const int at_reload = tasks_ok.load();
  ASSERT_TRUE(wait_until([&] { return tasks_ok.load() >= at_reload + 20; }, seconds(10)));
  stop = true;
  for (auto& t : taskers) t.join();
  load.stop();
  EXPECT_EQ(tasks_failed.load(), 0) << server.stderr_text();
  EXPECT_EQ(load.failed(), 0) << load.first_failure();
  // The workers are the same processes; both task workers are new.
  const std::set<pid_t> after = manager_children(server);
  int kept = 0;
  for (pid_t p : before) kept += after.count(p);
  EXPECT_EQ(kept, 2) << "exactly the two workers should have survived a task-worker reload";
  expect_stops_cleanly(server);
}

TEST(ReactorLifecycleTest, KillNineOfATaskWorkerAnswersItsTaskAt503AndRespawnsIt) {
  ServerProcess server = start_reactor({"--protocol", "http", "--workers", "1", "--task-workers",
                                        "1", "--trace"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  HttpClient client(server.port());
  ASSERT_TRUE(client.connection().send_all("GET /task?ms=5000 HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(wait_for_log(server, "trace: task 1 of worker pid "));
  const std::string log = server.stderr_text();
  const std::size_t at = log.find("task_worker pid=");
  const pid_t task_worker = static_cast<pid_t>(std::stol(log.substr(at + 16)));
  ASSERT_EQ(::kill(task_worker, SIGKILL), 0);
  std::vector<http::ParsedResponse> r = client.exchange("", 1, seconds(3));
  ASSERT_EQ(r.size(), 1u) << client.error();
  EXPECT_EQ(r[0].status, 503);
  EXPECT_NE(r[0].body.find("was dropped"), std::string::npos) << r[0].body;
  EXPECT_TRUE(wait_for_log(server, "while running task 1 (5000 ms)")) << server.stderr_text();
  // The respawned task worker takes the next job.
  std::optional<http::ParsedResponse> next = client.get("/task?ms=10");
  ASSERT_TRUE(next) << client.error();
  EXPECT_EQ(next->status, 200);
}

// A retiring worker keeps its stateful sessions only for --max-wait-ms; then it exits and one
// log line names exactly what was dropped.
TEST(ReactorLifecycleTest, ReloadDropsStatefulSessionsAfterTheBoundedWaitAndSaysWhich) {
  ServerProcess server = start_reactor({"--protocol", "timer", "--workers", "1", "--max-wait-ms",
                                        "300", "--trace"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  TestConnection c = TestConnection::connect(server.port());
  ASSERT_TRUE(c.send_all("AFTER 60000 late\r\nAFTER 1 now\r\n"));
  ASSERT_EQ(c.read_until("\r\n"), "FIRED now\r\n");
  std::optional<std::uint64_t> session = session_of(server.stderr_text(), local_port(c));
  ASSERT_TRUE(session);
  ASSERT_TRUE(server.send_signal(SIGUSR1));
  const std::string expected = "max wait over; exiting and dropping: session " +
                               std::to_string(*session) + " (127.0.0.1:" +
                               std::to_string(local_port(c)) + ", stateful)";
  EXPECT_TRUE(wait_for_log(server, expected, seconds(5))) << server.stderr_text();
  EXPECT_EQ(c.read_until_eof(seconds(3)), "");
  // New connections are served by the successor.
  TestConnection fresh = TestConnection::connect(server.port());
  ASSERT_TRUE(fresh.send_all("AFTER 1 x\r\n"));
  EXPECT_EQ(fresh.read_until("\r\n"), "FIRED x\r\n");
}

// SIGTERM with a deferred reply in flight: it is answered, then everything stops within 2 s.
TEST(ReactorLifecycleTest, SigtermAnswersWhatIsInFlightAndStopsTheWholeTree) {
  ServerProcess server = start_reactor({"--protocol", "http", "--workers", "2", "--task-workers", "2"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  // Manager, 2 workers, 2 task workers (READY waits for the workers; task workers may follow).
  ASSERT_TRUE(wait_until([&] { return descendants(server.pid()).size() == 5u; }, seconds(5)));
  HttpClient client(server.port());
  ASSERT_TRUE(client.connection().send_all("GET /sleep?ms=400 HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::this_thread::sleep_for(milliseconds(100));
  expect_stops_cleanly(server);
  std::vector<http::ParsedResponse> r = client.exchange("", 1, seconds(1));
  ASSERT_EQ(r.size(), 1u) << client.error();
  EXPECT_EQ(r[0].body, "slept 400 ms");
}

}  // namespace
}  // namespace archbench::reactor::testing
