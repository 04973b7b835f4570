// Descriptor exhaustion, on real sockets, for every architecture (issue #8).
//
// Each server runs under `prlimit --nofile=N:N`. FillTest opens connections until a new one is no
// longer served, then checks what every architecture owes its clients at that point:
//   (1) a connection it already serves still gets correct replies;
//   (2) it does not spin: the CPU time of its whole process tree grows by less than half the wall
//       time over 2 s;
//   (3) once clients leave, a new client is served within a few seconds;
// and that the log says "out of descriptors" once per episode, not once per try.
//
// The limit is per process, so what "full" means depends on the design; each case below says
// which. Where connections cannot run a process out of descriptors (one client per process, or
// per server), LoweredLimitTest makes the limit bite anyway, the way a descriptor leak or a
// system-wide ENFILE would: it lowers the soft limit of the running accepting process(es) to
// their lowest free descriptor, checks (1)-(3) plus the log, then restores the limit.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/exhaustion/exhaustion_cases.h"
#include "tests/exhaustion/exhaustion_support.h"

namespace archbench::exhaustion {
namespace {

using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

constexpr int kMaxConnections = 200;         // a design that serves more than this never filled up
constexpr milliseconds kFirstProbe{1500};    // long enough for a loaded machine to answer
constexpr milliseconds kLaterProbe{400};     // further clients while full: the answer is known
constexpr milliseconds kReplyWait{5000};     // a client that is served gets its reply within this
constexpr milliseconds kCpuWindow{2000};
constexpr double kMaxCpuShare = 0.5;
constexpr milliseconds kRecoveryLimit{5000};
constexpr const char* kEpisodeStart = ": out of descriptors (";
constexpr const char* kEpisodeEnd = ": accepting again after ";

std::string tag(const std::string& what, int i) { return what + "-" + std::to_string(i) + ";"; }

std::string percent(double share) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f%%", share * 100.0);
  return text;
}

void expect_full_answer(Full expected, Reply got, const std::string& context) {
  switch (expected) {
    case Full::kRefused:
      EXPECT_EQ(got, Reply::kClosed) << context << ": " << reply_name(got);
      break;
    case Full::kWaits:
      EXPECT_EQ(got, Reply::kNoReply) << context << ": " << reply_name(got);
      break;
    case Full::kRefusedOrWaits:
      EXPECT_TRUE(got == Reply::kClosed || got == Reply::kNoReply) << context << ": "
                                                                   << reply_name(got);
      break;
  }
}

// Connects new clients until one is served, for at most kRecoveryLimit; returns how long it took.
std::optional<milliseconds> serve_new_client(const ServerProcess& server,
                                             const std::string& protocol) {
  const auto started = Clock::now();
  for (int attempt = 0; Clock::now() - started < kRecoveryLimit; ++attempt) {
    TestConnection c = TestConnection::connect(server.port(), "127.0.0.1", seconds(2));
    const Reply reply = round_trip(c, protocol, tag("recovered", attempt), milliseconds(1000));
    if (reply == Reply::kServed) {
      return std::chrono::duration_cast<milliseconds>(Clock::now() - started);
    }
    if (reply == Reply::kClosed) std::this_thread::sleep_for(milliseconds(20));  // refused: again
  }
  return std::nullopt;
}

void stop_cleanly(ServerProcess& server) {
  ASSERT_TRUE(server.send_signal(SIGTERM));
  std::optional<int> status = server.wait_exit(seconds(5));
  ASSERT_TRUE(status.has_value()) << "no exit within 5 s of SIGTERM\n" << server.stderr_text();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << server.stderr_text();
}

// One line per measurement in the test log, for the table in the report and for people.
void report(const std::string& name, const std::string& what) {
  std::printf("[exhaustion] %s: %s\n", name.c_str(), what.c_str());
  std::fflush(stdout);
}

std::unique_ptr<ServerProcess> start(const ExhaustionCase& k) {
  auto server = start_limited_server(k.arch, k.protocol, k.nofile, k.args);
  EXPECT_TRUE(server->wait_ready(seconds(15))) << server->error();
  EXPECT_EQ(server->announced_pid(), server->pid()) << "prlimit must exec the server";
  return server;
}

class FillTest : public ::testing::TestWithParam<ExhaustionCase> {};

TEST_P(FillTest, UntilNewClientsAreNotServed) {
  const ExhaustionCase& k = GetParam();
  ASSERT_EQ(::access(kPrlimit, X_OK), 0) << kPrlimit << " (util-linux) is missing";
  std::unique_ptr<ServerProcess> server = start(k);
  ASSERT_TRUE(server->running()) << server->error();

  std::vector<TestConnection> served, extras;
  Reply first_unserved = Reply::kServed;
  for (int i = 0; i < kMaxConnections && first_unserved == Reply::kServed; ++i) {
    TestConnection c = TestConnection::connect(server->port(), "127.0.0.1", seconds(2));
    const Reply reply = round_trip(c, k.protocol, tag("fill", i), kFirstProbe);
    (reply == Reply::kServed ? served : extras).push_back(std::move(c));
    first_unserved = reply;
  }
  ASSERT_NE(first_unserved, Reply::kServed) << kMaxConnections << " clients served: never full";
  ASSERT_FALSE(served.empty()) << "not even one client served\n" << server->stderr_text();
  ASSERT_NE(first_unserved, Reply::kWrong) << server->stderr_text();
  expect_full_answer(k.when_full, first_unserved, "the first client past the limit");
  for (int i = 0; i < 2; ++i) {
    TestConnection c = TestConnection::connect(server->port(), "127.0.0.1", seconds(2));
    const Reply reply = round_trip(c, k.protocol, tag("extra", i), kLaterProbe);
    EXPECT_NE(reply, Reply::kServed) << "a client past the limit was served";
    extras.push_back(std::move(c));
  }
  report(k.name, std::to_string(served.size()) + " clients served at --nofile " +
                     std::to_string(k.nofile) + "; the next: " + reply_name(first_unserved));

  // (1) The clients it has are still served.
  EXPECT_EQ(round_trip(served.front(), k.protocol, "first-again;", kReplyWait), Reply::kServed);
  EXPECT_EQ(round_trip(served.back(), k.protocol, "last-again;", kReplyWait), Reply::kServed);

  // (2) No spinning while full, with clients still knocking (or waiting in the backlog).
  const double share = tree_cpu_share(server->pid(), kCpuWindow);
  report(k.name, "CPU while full: " + percent(share) + " of one core");
  EXPECT_LT(share, kMaxCpuShare) << "the server spins while out of descriptors";
  std::string log = server->stderr_text();
  EXPECT_EQ(count_lines_with(log, kEpisodeStart), k.episodes_when_full) << log;
  if (k.episodes_when_full > 0) report(k.name, "log: " + first_line_with(log, kEpisodeStart));

  // (3) Clients leave; a new one is served. One served client stays to prove it still is after.
  const bool keep_first = !k.one_client_at_a_time;
  extras.clear();
  served.erase(served.begin() + (keep_first ? 1 : 0), served.end());
  std::optional<milliseconds> recovery = serve_new_client(*server, k.protocol);
  ASSERT_TRUE(recovery.has_value()) << "no new client served within "
                                    << kRecoveryLimit.count() << " ms\n" << server->stderr_text();
  report(k.name, "a new client served " + std::to_string(recovery->count()) +
                     " ms after the others left");
  if (keep_first) {
    EXPECT_EQ(round_trip(served.front(), k.protocol, "first-after;", kReplyWait), Reply::kServed);
  }
  // Every episode ended with one line. Leaving clients may cause a short second episode (a
  // queued client taken before a child's exit freed its channel), logged the same way.
  log = server->stderr_text();
  EXPECT_GE(count_lines_with(log, kEpisodeEnd), k.episodes_when_full) << log;
  EXPECT_EQ(count_lines_with(log, kEpisodeEnd), count_lines_with(log, kEpisodeStart)) << log;
  served.clear();
  stop_cleanly(*server);
}

class LoweredLimitTest : public ::testing::TestWithParam<ExhaustionCase> {};

TEST_P(LoweredLimitTest, WhileRunning) {
  const ExhaustionCase& k = GetParam();
  const LoweredLimitCase& lowered_case = *k.lowered;
  std::unique_ptr<ServerProcess> server = start(k);
  ASSERT_TRUE(server->running()) << server->error();

  std::optional<TestConnection> holder;
  if (lowered_case.holder) {
    holder = TestConnection::connect(server->port());
    ASSERT_EQ(round_trip(*holder, k.protocol, "holder;", kReplyWait), Reply::kServed);
  }
  const std::vector<pid_t> targets = lowered_case.target == Target::kServer
                                         ? std::vector<pid_t>{server->pid()}
                                         : server->children();
  ASSERT_FALSE(targets.empty());
  ASSERT_TRUE(wait_until_settled(targets, seconds(5))) << "the server's processes keep changing";
  LoweredLimits limits;
  for (pid_t pid : targets) {
    std::string error;
    ASSERT_TRUE(limits.lower(pid, error)) << error;
  }

  // A process already asleep in accept() had its descriptor number reserved by the kernel before
  // it slept (accept4 allocates it first), so the first client after the change may still get
  // in; the process's next accept() is the one that fails. So: clients until one is not served.
  TestConnection waiting;
  Reply reply = Reply::kServed;
  std::string sent_tag;
  for (int i = 0; i < 4 && reply == Reply::kServed; ++i) {
    waiting = TestConnection::connect(server->port(), "127.0.0.1", seconds(2));
    sent_tag = tag("lowered", i);
    reply = round_trip(waiting, k.protocol, sent_tag, kFirstProbe);
  }
  expect_full_answer(lowered_case.outcome, reply, "a client once the limit is lowered");

  if (holder) {  // (1)
    EXPECT_EQ(round_trip(*holder, k.protocol, "holder-again;", kReplyWait), Reply::kServed);
  }
  const double share = tree_cpu_share(server->pid(), kCpuWindow);  // (2)
  report(k.name + " (limit lowered)", "CPU: " + percent(share) + " of one core");
  EXPECT_LT(share, kMaxCpuShare) << "the server spins while out of descriptors";
  std::string log = server->stderr_text();
  const int episodes = count_lines_with(log, kEpisodeStart);
  report(k.name + " (limit lowered)", "log: " + first_line_with(log, kEpisodeStart));
  EXPECT_GE(episodes, 1) << log;
  EXPECT_LE(episodes, static_cast<int>(limits.size())) << "more than once per process\n" << log;

  // (3) Descriptors are back: the waiting client is served, or a new one is.
  const auto restored = Clock::now();
  limits.restore();
  if (reply == Reply::kNoReply) {
    EXPECT_EQ(await_reply(waiting, k.protocol, sent_tag, kRecoveryLimit), Reply::kServed)
        << server->stderr_text();
    report(k.name + " (limit lowered)",
           "the waiting client served " +
               std::to_string(std::chrono::duration_cast<milliseconds>(Clock::now() - restored)
                                  .count()) +
               " ms after the limit was restored");
  } else {
    waiting.close();
    std::optional<milliseconds> recovery = serve_new_client(*server, k.protocol);
    ASSERT_TRUE(recovery.has_value()) << server->stderr_text();
    report(k.name + " (limit lowered)", "a new client served " +
                                            std::to_string(recovery->count()) +
                                            " ms after the limit was restored");
  }
  log = server->stderr_text();
  EXPECT_GE(count_lines_with(log, kEpisodeEnd), 1) << log;
  EXPECT_LE(count_lines_with(log, kEpisodeEnd), count_lines_with(log, kEpisodeStart)) << log;
  waiting.close();
  holder.reset();
  stop_cleanly(*server);
}

}  // namespace

// GoogleTest prints a failing test's parameter: the name, not 152 bytes of hex.
void PrintTo(const ExhaustionCase& c, std::ostream* out) { *out << c.name; }

namespace {

std::string case_name(const ::testing::TestParamInfo<ExhaustionCase>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Exhaustion, FillTest, ::testing::ValuesIn(all_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(Exhaustion, LoweredLimitTest, ::testing::ValuesIn(lowered_limit_cases()),
                         case_name);

}  // namespace
}  // namespace archbench::exhaustion
