#include "servers/process/architecture_test_support.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <fstream>
#include <random>
#include <thread>

namespace archbench::testing {

std::string random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 generator(seed);
  std::string bytes(n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    // Mixing in the index makes sure every byte value appears in any payload over 256 bytes.
    bytes[i] = static_cast<char>((generator() + i) & 0xff);
  }
  return bytes;
}

std::uint16_t local_port(const TestConnection& connection) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (::getsockname(connection.fd(), reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  if (address.ss_family == AF_INET)
    return ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
  }
  return 0;
}

bool wait_until(const std::function<bool()>& predicate, std::chrono::milliseconds timeout) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (predicate()) return true;
    if (std::chrono::steady_clock::now() >= give_up) return predicate();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::optional<pid_t> serving_pid(const ServerProcess& server, std::uint16_t client_port,
                                 std::chrono::milliseconds timeout) {
  const std::string needle = "trace: serve 127.0.0.1:" + std::to_string(client_port) + " pid=";
  std::optional<pid_t> found;
  wait_until(
      [&] {
        const std::string log = server.stderr_text();
        std::size_t at = log.find(needle);
        if (at == std::string::npos) return false;
        found = static_cast<pid_t>(std::stol(log.substr(at + needle.size())));
        return true;
      },
      timeout);
  return found;
}

std::vector<TestConnection> expect_concurrent_echo(std::uint16_t port, int count,
                                                   std::size_t bytes) {
  std::vector<TestConnection> connections;
  std::vector<std::string> payloads;
  for (int i = 0; i < count; ++i) {
    connections.push_back(TestConnection::connect(port));
    EXPECT_TRUE(connections.back().ok()) << connections.back().error();
    payloads.push_back(random_bytes(bytes, 1000 + static_cast<std::uint32_t>(i)));
  }
  // Pieces of uneven sizes, so replies cross read boundaries on the server side.
  std::mt19937 generator(7);
  std::vector<std::size_t> sent(static_cast<std::size_t>(count), 0);
  bool progress = true;
  while (progress) {
    progress = false;
    for (std::size_t i = 0; i < connections.size(); ++i) {
      if (sent[i] == bytes) continue;
      const std::size_t piece = std::min<std::size_t>(bytes - sent[i], 1 + generator() % 20000);
      const std::string expected = payloads[i].substr(sent[i], piece);
      if (!connections[i].send_all(expected)) {
        ADD_FAILURE() << "connection " << i << ": send failed: " << connections[i].error();
        return connections;
      }
      const std::string echoed = connections[i].read_exactly(piece);
      if (echoed != expected) {
        ADD_FAILURE() << "connection " << i << ": echo differs at offset " << sent[i] << " (got "
                      << echoed.size() << " of " << piece << " bytes)";
        return connections;
      }
      sent[i] += piece;
      progress = true;
    }
  }
  return connections;
}

void expect_broadcast_refused(std::uint16_t port, const std::string& architecture) {
  TestConnection connection = TestConnection::connect(port);
  ASSERT_TRUE(connection.ok()) << connection.error();
  ASSERT_TRUE(
      connection.send_all("GET /broadcast HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n"
                          "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
  const std::string reply = connection.read_until_eof();
  EXPECT_EQ(reply.rfind("HTTP/1.1 501 ", 0), 0u) << reply;
  EXPECT_NE(reply.find("\r\n\r\n" + architecture + " serves each connection in its own"),
            std::string::npos)
      << reply;
}

void expect_timer_fires(std::uint16_t port) {
  TestConnection connection = TestConnection::connect(port);
  ASSERT_TRUE(connection.ok()) << connection.error();
  ASSERT_TRUE(connection.send_all("AFTER 20 t1\r\n"));
  EXPECT_EQ(connection.read_until("\r\n"), "FIRED t1\r\n");
}

void expect_clean_stop(ServerProcess& server) {
  const std::vector<pid_t> children = server.children();
  ASSERT_TRUE(server.send_signal(SIGTERM));
  std::optional<int> status = server.wait_exit(std::chrono::seconds(2));
  ASSERT_TRUE(status.has_value()) << "still running 2 s after SIGTERM\n" << server.stderr_text();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "wait status " << *status << "\n"
                                                               << server.stderr_text();
  for (pid_t child : children) {
    EXPECT_FALSE(ServerProcess::is_alive(child)) << "child " << child << " left behind";
  }
  // Every child is expected to stop on its own SIGTERM; SIGKILL is only the safety net.
  EXPECT_EQ(server.stderr_text().find("sending SIGKILL"), std::string::npos)
      << server.stderr_text();
}

std::optional<long> voluntary_context_switches(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  const std::string key = "voluntary_ctxt_switches:";
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::stol(line.substr(key.size()));
  }
  return std::nullopt;
}

long wakeups_while_idle(pid_t pid, std::chrono::milliseconds window) {
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::optional<long> before = voluntary_context_switches(pid);
  std::this_thread::sleep_for(window);
  std::optional<long> after = voluntary_context_switches(pid);
  if (!before || !after) return -1;
  return *after - *before;
}

std::set<pid_t> wait_for_children(const ServerProcess& server, std::size_t count,
                                  std::chrono::milliseconds timeout) {
  std::set<pid_t> children;
  wait_until(
      [&] {
        std::vector<pid_t> now = server.children();
        children = std::set<pid_t>(now.begin(), now.end());
        return children.size() == count;
      },
      timeout);
  return children;
}

}  // namespace archbench::testing
