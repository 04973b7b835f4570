#include "servers/testing/architecture_suite.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include "protocols/websocket/test_peer.h"
#include "servers/testing/server_process.h"
#include "servers/testing/test_connection.h"

namespace archbench::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 generator(seed);
  std::string bytes(n, '\0');
  for (char& c : bytes) c = static_cast<char>(generator() & 0xff);
  return bytes;
}

bool exited_with(const std::optional<int>& status, int code) {
  return status && WIFEXITED(*status) && WEXITSTATUS(*status) == code;
}

std::string describe(const std::optional<int>& status) {
  if (!status) return "still running";
  if (WIFEXITED(*status)) return "exit " + std::to_string(WEXITSTATUS(*status));
  if (WIFSIGNALED(*status)) return "signal " + std::to_string(WTERMSIG(*status));
  return "status " + std::to_string(*status);
}

}  // namespace

std::string architecture_case_name(const ::testing::TestParamInfo<ArchitectureCase>& info) {
  std::string name;
  for (char c : info.param.id + "_" + std::to_string(info.index)) {
    name.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  }
  return name;
}

std::string ArchitectureTest::binary() const { return ServerProcess::server_binary(GetParam().id); }

std::vector<std::string> ArchitectureTest::args(std::vector<std::string> more) const {
  std::vector<std::string> all = GetParam().extra_args;
  all.insert(all.end(), more.begin(), more.end());
  return all;
}

TEST_P(ArchitectureTest, PortZeroGivesARealPortAndAReadyLine) {
  ServerProcess server(binary(), args({"--protocol", "echo", "--port", "0"}));
  ASSERT_TRUE(server.wait_ready()) << server.error();
  EXPECT_EQ(server.host(), "127.0.0.1");
  EXPECT_GT(server.port(), 0);
  EXPECT_EQ(server.announced_pid(), server.pid());
  EXPECT_EQ(server.stdout_text().rfind("READY 127.0.0.1 ", 0), 0u) << server.stdout_text();
}

TEST_P(ArchitectureTest, PortTakenExitsOneWithAMessage) {
  ServerProcess first(binary(), args({"--port", "0"}));
  ASSERT_TRUE(first.wait_ready()) << first.error();
  ServerProcess second(binary(), args({"--port", std::to_string(first.port())}));
  EXPECT_FALSE(second.wait_ready(seconds(5)));
  std::optional<int> status = second.wait_exit(seconds(5));
  EXPECT_TRUE(exited_with(status, 1)) << describe(status);
  EXPECT_NE(second.stderr_text().find("Address already in use"), std::string::npos)
      << second.stderr_text();
}

TEST_P(ArchitectureTest, BadFlagsExitTwoWithAMessage) {
  const std::vector<std::vector<std::string>> bad = {
      {"--no-such-flag"},          {"--port", "http"},           {"--port", "70000"},
      {"--protocol", "gopher"},    {"--package-eof", "\\q"},     {"--package-eof", ""},
      {"--package-max-length", "0"}, {"--backlog", "-1"},       {"stray-argument"},
  };
  for (const auto& flags : bad) {
    ServerProcess server(binary(), args(flags));
    std::optional<int> status = server.wait_exit(seconds(5));
    EXPECT_TRUE(exited_with(status, 2)) << flags[0] << ": " << describe(status);
    EXPECT_FALSE(server.stderr_text().empty()) << flags[0];
    EXPECT_EQ(server.stdout_text().find("READY"), std::string::npos) << flags[0];
  }
}

TEST_P(ArchitectureTest, HelpListsTheSharedFlagsAndExitsZero) {
  ServerProcess server(binary(), args({"--help"}));
  std::optional<int> status = server.wait_exit(seconds(5));
  EXPECT_TRUE(exited_with(status, 0)) << describe(status);
  const std::string help = server.stdout_text();
  for (const char* flag : {"--protocol", "--host", "--port", "--backlog", "--package-max-length",
                           "--package-eof", "--ws-max-message", "--ws-token-secret", "--trace"}) {
    EXPECT_NE(help.find(flag), std::string::npos) << flag << " missing from:\n" << help;
  }
}

// Stops with an idle client and one in mid-conversation; `signal` is SIGTERM or SIGINT.
static void expect_graceful_stop(const std::string& binary, const std::vector<std::string>& args,
                                 int signal) {
  ServerProcess server(binary, args);
  ASSERT_TRUE(server.wait_ready()) << server.error();
  TestConnection talking = TestConnection::connect(server.port());
  ASSERT_TRUE(talking.ok()) << talking.error();
  ASSERT_TRUE(talking.send_all("hello"));
  ASSERT_EQ(talking.read_exactly(5), "hello");
  TestConnection idle = TestConnection::connect(server.port());
  ASSERT_TRUE(idle.ok()) << idle.error();
  const std::vector<pid_t> children = server.children();

  ASSERT_TRUE(server.send_signal(signal));
  std::optional<int> status = server.wait_exit(seconds(2));
  EXPECT_TRUE(exited_with(status, 0)) << describe(status) << "\n" << server.stderr_text();
  for (pid_t child : children) EXPECT_FALSE(ServerProcess::is_alive(child)) << child;
  // Its connections are gone with it.
  EXPECT_EQ(talking.read_until_eof(seconds(2)), "");
}

TEST_P(ArchitectureTest, SigtermStopsWithinTwoSecondsExitZeroNoChildLeft) {
  expect_graceful_stop(binary(), args({}), SIGTERM);
}

TEST_P(ArchitectureTest, SigintStopsToo) { expect_graceful_stop(binary(), args({}), SIGINT); }

TEST_P(ArchitectureTest, EchoesRandomDataFromManyConnectionsAtOnce) {
  ServerProcess server(binary(), args({"--protocol", "echo"}));
  ASSERT_TRUE(server.wait_ready()) << server.error();
  constexpr int kClients = 16;
  std::vector<std::string> sent(kClients), received(kClients), errors(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    sent[i] = random_bytes(1 + (i * 37717) % (300 << 10), 1000 + i);
    clients.emplace_back([&, i] {
      TestConnection c = TestConnection::connect(server.port());
      if (!c.ok()) {
        errors[i] = c.error();
        return;
      }
      received[i] = c.send_and_receive(sent[i], sent[i].size(), seconds(20));
      errors[i] = c.error();
      c.shutdown_write();
      if (!c.read_until_eof(seconds(5)).empty()) errors[i] += " bytes after the echo";
      if (!c.saw_eof()) errors[i] += " no EOF after shutdown";
    });
  }
  for (auto& t : clients) t.join();
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(received[i].size(), sent[i].size()) << "client " << i << ": " << errors[i];
    EXPECT_TRUE(received[i] == sent[i]) << "client " << i << " got different bytes";
  }
}

TEST_P(ArchitectureTest, TraceNamesTheServingProcessAndThread) {
  ServerProcess server(binary(), args({"--trace"}));
  ASSERT_TRUE(server.wait_ready()) << server.error();
  {
    TestConnection c = TestConnection::connect(server.port());
    ASSERT_TRUE(c.send_all("x"));
    ASSERT_EQ(c.read_exactly(1), "x");
  }
  // The trace line is written before the first byte is served.
  const std::string log = server.stderr_text();
  EXPECT_NE(log.find("trace: "), std::string::npos) << log;
  EXPECT_NE(log.find(" pid="), std::string::npos) << log;
  EXPECT_NE(log.find(" tid="), std::string::npos) << log;
}

TEST_P(ArchitectureTest, AClientThatStopsReadingDoesNotStopTheOthers) {
  if (!GetParam().concurrent) GTEST_SKIP() << "serves one connection at a time by design";
  ServerProcess server(binary(), args({"--protocol", "echo"}));
  ASSERT_TRUE(server.wait_ready()) << server.error();

  // The stubborn client sends until the send blocks for a while, and never reads meanwhile:
  // socket buffers fill both ways and the server must stop reading it (back-pressure).
  TestConnection stubborn = TestConnection::connect(server.port());
  ASSERT_TRUE(stubborn.ok()) << stubborn.error();
  const std::string chunk = random_bytes(64 << 10, 7);
  std::size_t stuffed = 0;
  for (int i = 0; i < 1024; ++i) {  // at most 64 MiB
    if (!stubborn.send_all(chunk, milliseconds(300))) break;
    stuffed += chunk.size();
  }
  ASSERT_LT(stuffed, std::size_t{64} << 20) << "the server never pushed back";

  for (int i = 0; i < 4; ++i) {
    TestConnection other = TestConnection::connect(server.port());
    ASSERT_TRUE(other.ok()) << other.error();
    const std::string data = random_bytes(100 << 10, 100 + i);
    EXPECT_TRUE(other.send_and_receive(data, data.size(), seconds(10)) == data)
        << "client " << i << " was not served: " << other.error();
  }
  // Nothing was lost: once the stubborn client reads (and ends its side), it gets back every
  // byte it sent, the tail of a chunk whose send timed out included.
  stubborn.shutdown_write();
  const std::string echoed = stubborn.read_until_eof(seconds(20));
  EXPECT_TRUE(stubborn.saw_eof());
  EXPECT_GE(echoed.size(), stuffed);
  EXPECT_LT(echoed.size(), stuffed + chunk.size());
  for (std::size_t at = 0; at < echoed.size(); at += chunk.size()) {
    const std::size_t n = std::min(chunk.size(), echoed.size() - at);
    ASSERT_TRUE(echoed.compare(at, n, chunk, 0, n) == 0) << "corrupted at " << at;
  }
}

// The session's deadlines reach the architecture's wait: timers fire with no input.
TEST_P(ArchitectureTest, TimersFireWithoutInput) {
  ServerProcess server(binary(), args({"--protocol", "timer"}));
  ASSERT_TRUE(server.wait_ready()) << server.error();
  TestConnection c = TestConnection::connect(server.port());
  ASSERT_TRUE(c.send_all("AFTER 40 late\r\nAFTER 10 early\r\nTICK 5 2 t\r\n"));
  std::vector<std::string> lines;
  for (int i = 0; i < 4; ++i) lines.push_back(c.read_until("\r\n"));
  // The order between timers due at nearly the same time is the session's business; the set
  // of lines and "late" coming last are the loop's.
  EXPECT_EQ(lines.back(), "FIRED late\r\n");
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, (std::vector<std::string>{"FIRED early\r\n", "FIRED late\r\n",
                                             "TICK t 1\r\n", "TICK t 2\r\n"}));
}

// Opens a WebSocket on `path`; returns the handshake response head.
static std::string websocket_handshake(TestConnection& c, const std::string& path) {
  c.send_all("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
             "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
             "Sec-WebSocket-Version: 13\r\n\r\n");
  return c.read_until("\r\n\r\n");
}

TEST_P(ArchitectureTest, BroadcastReachesEveryMemberOrIsRefused) {
  ServerProcess server(binary(), args({"--protocol", "websocket"}));
  ASSERT_TRUE(server.wait_ready()) << server.error();
  if (!GetParam().broadcasts) {
    TestConnection c = TestConnection::connect(server.port());
    EXPECT_EQ(websocket_handshake(c, "/broadcast").rfind("HTTP/1.1 501 ", 0), 0u);
    return;
  }
  std::vector<TestConnection> members;
  for (int i = 0; i < 3; ++i) {
    members.push_back(TestConnection::connect(server.port()));
    ASSERT_EQ(websocket_handshake(members.back(), "/broadcast").rfind("HTTP/1.1 101 ", 0), 0u);
  }
  TestConnection outsider = TestConnection::connect(server.port());
  ASSERT_EQ(websocket_handshake(outsider, "/elsewhere").rfind("HTTP/1.1 101 ", 0), 0u);

  using websocket::Opcode;
  ASSERT_TRUE(members[1].send_all(websocket::testing::client_frame(Opcode::kText, "to all")));
  for (auto& member : members) {
    // An unmasked server text frame: 2 header bytes + 6 payload bytes.
    std::vector<websocket::testing::ServerFrame> frames =
        websocket::testing::server_frames(member.read_exactly(8));
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].opcode, Opcode::kText);
    EXPECT_EQ(frames[0].payload, "to all");
  }
  EXPECT_EQ(outsider.read_available(std::chrono::milliseconds(100)), "");
}

}  // namespace archbench::testing
