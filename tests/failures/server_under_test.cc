#include "tests/failures/server_under_test.h"

#include <sys/wait.h>

#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>

#include "servers/testing/test_connection.h"
#include "tests/failures/wire.h"

namespace archbench::failures {
namespace {

using std::chrono::milliseconds;
using testing::ServerProcess;
using testing::TestConnection;

// What servers (and the C++ runtime, and the sanitizers) write when a process died or is about
// to: servers/process/child_processes.cc describe_exit(), the reactor manager's respawn line,
// socketpair_workers' "without saying done", terminate handlers, ASan/UBSan reports.
constexpr const char* kCrashMarkers[] = {
    "killed by signal", "exited with status", "core dumped",    "without saying done", "respawning",
    "terminate called", "Sanitizer",          "runtime error:", "Segmentation fault",  "Aborted",
    "double free",      "stack smashing",
};

// How long a reaping parent may take to collect an exited child (fork_limited looks every
// 500 ms at its limit), with room for a loaded machine.
constexpr milliseconds kReapGrace{3000};

bool take_value(std::string_view arg, std::string_view name, std::string& value) {
  if (arg.substr(0, name.size()) != name || arg.size() <= name.size() || arg[name.size()] != '=') {
    return false;
  }
  value = std::string(arg.substr(name.size() + 1));
  return true;
}

bool to_int(const std::string& text, int& out) {
  char* end = nullptr;
  long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < 0 || value > 1000000) return false;
  out = static_cast<int>(value);
  return true;
}

std::string tail(const std::string& text, std::size_t n = 3000) {
  return text.size() <= n ? text : "..." + text.substr(text.size() - n);
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by ") + ::strsignal(WTERMSIG(status));
  return "wait status " + std::to_string(status);
}

std::string probe_echo(std::uint16_t port) {
  TestConnection c = TestConnection::connect(port);
  if (!c.ok()) return "connect: " + c.error();
  const std::string data = binary_pattern(64 * 1024, 7);
  std::string back = c.send_and_receive(data, data.size(), kIoTimeout);
  return back == data ? "" : "echo probe: " + check_exact(back, data) + " " + c.error();
}

std::string probe_framed(std::uint16_t port, const std::string& message) {
  TestConnection c = TestConnection::connect(port);
  if (!c.ok()) return "connect: " + c.error();
  std::string back = c.send_and_receive(message, message.size(), kIoTimeout);
  return back == message ? "" : "probe: " + check_exact(back, message) + " " + c.error();
}

std::string probe_http(std::uint16_t port) {
  TestConnection c = TestConnection::connect(port);
  if (!c.ok()) return "connect: " + c.error();
  std::string problem =
      http_exchange(c, http_get("/bytes?n=100000"), 200, bytes_pattern(100000), kIoTimeout);
  if (problem.empty()) {
    problem = http_exchange(c, http_get("/"), 200, std::string_view("Hello World"), kIoTimeout);
  }
  return problem.empty() ? "" : "HTTP probe: " + problem;
}

std::string probe_websocket(std::uint16_t port) {
  TestConnection c = TestConnection::connect(port);
  if (!c.ok()) return "connect: " + c.error();
  std::string problem = open_websocket(c, kIoTimeout);
  if (!problem.empty()) return "WebSocket probe: " + problem;
  // 16-bit length encoding; below the storm's --ws-max-message of 64 KiB.
  const std::string payload = binary_pattern(60000, 11);
  if (!c.send_all(masked_frame(websocket::Opcode::kBinary, payload), kIoTimeout)) {
    return "WebSocket probe: send: " + c.error();
  }
  std::optional<ServerFrame> frame = read_websocket_frame(c, kIoTimeout, problem);
  if (!frame) return "WebSocket probe: " + problem;
  if (frame->opcode != websocket::Opcode::kBinary || frame->payload != payload) {
    return "WebSocket probe: the echo differs (opcode " +
           std::to_string(static_cast<int>(frame->opcode)) + ", " +
           std::to_string(frame->payload.size()) + " bytes)";
  }
  return {};
}

}  // namespace

Target& target() {
  static Target instance;
  return instance;
}

std::string target_label() {
  std::string label = target().arch;
  for (const std::string& a : target().server_args) label += " " + a;
  return label;
}

bool parse_target_flags(int argc, char** argv, std::string& error) {
  Target& t = target();
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    std::string value;
    if (take_value(arg, "--arch", value)) {
      t.arch = value;
    } else if (take_value(arg, "--server-arg", value)) {
      t.server_args.push_back(value);
    } else if (take_value(arg, "--capacity", value)) {
      if (!to_int(value, t.capacity)) return error = "bad --capacity: " + value, false;
    } else if (take_value(arg, "--header-timeout-ms", value)) {
      if (!to_int(value, t.header_timeout_ms) || t.header_timeout_ms == 0) {
        return error = "bad --header-timeout-ms (1 or more): " + value, false;
      }
    } else if (arg == "--long-lived-children") {
      t.long_lived_children = true;
    } else {
      error = "unknown flag: " + std::string(arg);
      return false;
    }
  }
  if (t.arch.empty()) error = "--arch=ID is required";
  return error.empty();
}

std::string crash_lines(const std::string& log) {
  std::istringstream lines(log);
  std::string line, found;
  while (std::getline(lines, line)) {
    for (const char* marker : kCrashMarkers) {
      if (line.find(marker) != std::string::npos) {
        found += line + "\n";
        break;
      }
    }
  }
  return found;
}

ServerUnderTest::ServerUnderTest(std::string protocol, std::vector<std::string> extra)
    : protocol_(std::move(protocol)) {
  args_ = {"--protocol", protocol_, "--host", "127.0.0.1", "--port", "0"};
  args_.insert(args_.end(), target().server_args.begin(), target().server_args.end());
  args_.insert(args_.end(), extra.begin(), extra.end());
}

bool ServerUnderTest::start() {
  process_ = std::make_unique<ServerProcess>(ServerProcess::server_binary(target().arch), args_);
  if (!process_->wait_ready()) {
    error_ = process_->error();
    std::optional<int> status = process_->wait_exit(milliseconds(0));
    if (status && WIFEXITED(*status)) start_exit_code_ = WEXITSTATUS(*status);
    return false;
  }
  children_at_start_ = process_->children();
  return true;
}

std::string ServerUnderTest::log() const {
  std::string command = target().arch;
  for (const std::string& a : args_) command += " " + a;
  return "\nserver: " + command + "\nits stderr:\n" +
         (process_ ? tail(process_->stderr_text()) : "(not started)");
}

std::string ServerUnderTest::probe() {
  const std::uint16_t port = process_->port();
  if (protocol_ == "echo") return probe_echo(port);
  if (protocol_ == "eof") return probe_framed(port, "probe after the attack\r\n");
  if (protocol_ == "length") return probe_framed(port, length_frame(binary_pattern(10000, 5)));
  if (protocol_ == "http") return probe_http(port);
  if (protocol_ == "websocket") return probe_websocket(port);
  return "no probe for protocol " + protocol_;
}

std::string ServerUnderTest::health_problem() {
  if (!process_) return "the server was never started";
  if (!process_->running()) {
    std::optional<int> status = process_->wait_exit(milliseconds(0));
    return "the server is gone: " + (status ? describe_status(*status) : "unknown status");
  }
  // The probe first: it also gives a worker that is about to die of the attack (SIGPIPE on its
  // next write) the time to do so, and its parent the time to log it, before the log is read.
  std::string problems;
  std::string probed = probe();
  if (!probed.empty()) problems += "a new client was not served correctly: " + probed + "\n";
  // Exited children must be collected; give the parent its reaping interval first.
  const auto give_up = std::chrono::steady_clock::now() + kReapGrace;
  std::vector<pid_t> zombies = process_->zombie_children();
  while (!zombies.empty() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(milliseconds(50));
    zombies = process_->zombie_children();
  }
  if (!zombies.empty()) {
    problems += std::to_string(zombies.size()) + " zombie child(ren), e.g. pid " +
                std::to_string(zombies.front()) + "\n";
  }
  if (target().long_lived_children) {
    for (pid_t child : children_at_start_) {
      if (!ServerProcess::is_alive(child)) {
        problems += "long-lived child " + std::to_string(child) + " is gone\n";
      }
    }
  }
  std::string crashed = crash_lines(process_->stderr_text());
  if (!crashed.empty()) problems += "crash lines in the log:\n" + crashed;
  if (!process_->running()) problems += "the server exited during the health check\n";
  return problems;
}

}  // namespace archbench::failures
