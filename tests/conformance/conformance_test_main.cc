// The conformance suite as GoogleTest tests against a real server binary.
//
// For each protocol given, the binary starts //servers/<arch> with
// `--protocol P --host 127.0.0.1 --port 0` (plus the limits below and --server-arg values),
// runs every case of that protocol as its own test named `<protocol>.<group>.<case>` (GoogleTest
// suite `<protocol>`, test `<group>.<case>`), and ends with `<protocol>.server.stops_on_sigterm`:
// SIGTERM with an idle client connected, exit status 0 within 2 s, no child process left behind.
//
// A case that makes the server exit fails with the exit status and the server's stderr; the next
// case starts a fresh server, so one crash does not fail the rest of the list.
//
// Flags (after GoogleTest's own): --arch ID, --protocol P (repeatable), --sequential (the
// architecture serves one connection at a time: cases needing two at once are skipped),
// --server-arg ARG (repeatable), --timeout-ms N, --package-max-length N, --ws-max-message N,
// --package-eof TEXT. Normally set by the conformance_test() macro (conformance_test.bzl).
//
// Thread-safety: GoogleTest runs every test on the main thread; the server table is only
// touched from there.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "clients/conformance/blocking_socket.h"
#include "clients/conformance/case_catalogue.h"
#include "servers/testing/server_process.h"

namespace archbench::conformance {
namespace {

using archbench::testing::ServerProcess;

struct RunConfig {
  std::string arch;
  std::vector<std::string> protocols;
  bool sequential = false;
  std::vector<std::string> server_args;
  Options options;
};

RunConfig& config() {
  static RunConfig instance;
  return instance;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + strsignal(WTERMSIG(status));
  return "wait status " + std::to_string(status);
}

std::string tail(const std::string& text, std::size_t n = 2000) {
  return text.size() <= n ? text : "..." + text.substr(text.size() - n);
}

// One server per protocol, started by the first test that needs it.
class Servers {
 public:
  // The running server for `protocol`, starting one if needed; nullptr (and `error`) on failure.
  ServerProcess* get(const std::string& protocol, std::string& error) {
    auto& slot = servers_[protocol];
    if (slot && slot->running()) return slot.get();
    slot.reset();
    const RunConfig& c = config();
    std::vector<std::string> args = {"--protocol",
                                     protocol,
                                     "--host",
                                     "127.0.0.1",
                                     "--port",
                                     "0",
                                     "--package-max-length",
                                     std::to_string(c.options.package_max_length),
                                     "--ws-max-message",
                                     std::to_string(c.options.ws_max_message)};
    if (protocol == "eof") {
      args.push_back("--package-eof");
      args.push_back(escaped_eof());
    }
    args.insert(args.end(), c.server_args.begin(), c.server_args.end());
    auto server = std::make_unique<ServerProcess>(ServerProcess::server_binary(c.arch), args);
    if (!server->wait_ready()) {
      error = "server " + c.arch + " did not start: " + server->error();
      return nullptr;
    }
    slot = std::move(server);
    return slot.get();
  }

  // The server, if one is running, without starting one.
  ServerProcess* current(const std::string& protocol) {
    auto it = servers_.find(protocol);
    return it != servers_.end() ? it->second.get() : nullptr;
  }

  void forget(const std::string& protocol) { servers_.erase(protocol); }

 private:
  // The server flag takes backslash escapes; write the delimiter back in that form.
  static std::string escaped_eof() {
    std::string out;
    for (char ch : config().options.package_eof) {
      if (ch == '\r') {
        out += "\\r";
      } else if (ch == '\n') {
        out += "\\n";
      } else if (ch == '\\') {
        out += "\\\\";
      } else {
        out += ch;
      }
    }
    return out;
  }

  std::map<std::string, std::unique_ptr<ServerProcess>> servers_;
};

Servers& servers() {
  static Servers instance;
  return instance;
}

// Every registered test is one of these; the body is a case run or the final stop check.
class ConformanceTest : public ::testing::Test {
 public:
  explicit ConformanceTest(std::function<void()> body) : body_(std::move(body)) {}
  void TestBody() override { body_(); }

 private:
  std::function<void()> body_;
};

void run_one(const Case& c) {
  const RunConfig& cfg = config();
  if (c.needs_concurrency && cfg.sequential) {
    GTEST_SKIP() << c.name << " needs two connections served at once; " << cfg.arch
                 << " serves one connection at a time";
  }
  std::string error;
  ServerProcess* server = servers().get(c.protocol, error);
  ASSERT_NE(server, nullptr) << error;
  const Outcome outcome = run_case(c, Target{"127.0.0.1", server->port()}, cfg.options);
  if (outcome.verdict == Verdict::kFail) {
    ADD_FAILURE() << c.name << ": " << outcome.reason;
  } else if (!outcome.reason.empty()) {
    std::cout << "[ NOTE     ] " << c.name << ": " << outcome.reason << std::endl;
    ::testing::Test::RecordProperty("note", outcome.reason);
  }
  if (!server->running()) {
    const std::optional<int> status = server->wait_exit(std::chrono::milliseconds(0));
    ADD_FAILURE() << "the server exited during " << c.name << " ("
                  << (status ? describe_status(*status) : "unknown status") << "); its stderr:\n"
                  << tail(server->stderr_text());
    servers().forget(c.protocol);
  }
}

void stop_with_sigterm(const std::string& protocol) {
  std::string error;
  ServerProcess* server = servers().get(protocol, error);
  ASSERT_NE(server, nullptr) << error;
  // A client stays connected (idle) through the stop: a graceful stop must not wait for it.
  std::optional<BlockingSocket> idle;
  try {
    idle.emplace(BlockingSocket::connect("127.0.0.1", server->port(), Millis(2000)));
  } catch (const SocketError& error) {
    ADD_FAILURE() << "could not connect before SIGTERM: " << error.what();
  }
  const std::vector<pid_t> children = server->children();
  ASSERT_TRUE(server->send_signal(SIGTERM));
  const std::optional<int> status = server->wait_exit(std::chrono::seconds(2));
  ASSERT_TRUE(status.has_value()) << "no exit within 2 s of SIGTERM; stderr:\n"
                                  << tail(server->stderr_text());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << "SIGTERM ended the server with " << describe_status(*status) << "; stderr:\n"
      << tail(server->stderr_text());
  for (pid_t child : children) {
    EXPECT_FALSE(ServerProcess::is_alive(child)) << "child " << child << " outlived the server";
  }
  servers().forget(protocol);
}

void register_protocol(const std::string& protocol) {
  for (const Case* c : select_cases(protocol)) {
    const std::string test_name = c->name.substr(protocol.size() + 1);
    ::testing::RegisterTest(
        protocol.c_str(), test_name.c_str(), nullptr, nullptr, __FILE__, __LINE__,
        [c]() -> ConformanceTest* { return new ConformanceTest([c] { run_one(*c); }); });
  }
  ::testing::RegisterTest(protocol.c_str(), "server.stops_on_sigterm", nullptr, nullptr, __FILE__,
                          __LINE__, [protocol]() -> ConformanceTest* {
                            return new ConformanceTest([protocol] { stop_with_sigterm(protocol); });
                          });
}

bool take_value(const std::string& arg, const std::string& flag, std::string& value) {
  if (arg.rfind(flag + "=", 0) != 0) return false;
  value = arg.substr(flag.size() + 1);
  return true;
}

std::string unescape(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      const char c = text[++i];
      out.push_back(c == 'r' ? '\r' : c == 'n' ? '\n' : c);
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// Our flags come as --name=value (what the macro writes). Unknown ones are an error: a typo in
// a BUILD file should not silently test the wrong thing.
bool parse_flags(int argc, char** argv) {
  RunConfig& c = config();
  // Test-friendly defaults: small limits keep the big cases fast, a short timeout keeps a
  // missing feature from stalling the target.
  c.options.package_max_length = std::size_t{1} << 20;
  c.options.io_timeout = Millis(3000);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    std::string value;
    if (take_value(arg, "--arch", value)) {
      c.arch = value;
    } else if (take_value(arg, "--protocol", value)) {
      c.protocols.push_back(value);
    } else if (arg == "--sequential") {
      c.sequential = true;
    } else if (take_value(arg, "--server-arg", value)) {
      c.server_args.push_back(value);
    } else if (take_value(arg, "--timeout-ms", value)) {
      c.options.io_timeout = Millis(std::stoll(value));
    } else if (take_value(arg, "--package-max-length", value)) {
      c.options.package_max_length = std::stoull(value);
    } else if (take_value(arg, "--ws-max-message", value)) {
      c.options.ws_max_message = std::stoull(value);
    } else if (take_value(arg, "--package-eof", value)) {
      c.options.package_eof = unescape(value);
    } else if (arg == "--full-size") {
      c.options.full_size = true;
    } else {
      std::cerr << "conformance test: unknown flag " << arg << "\n";
      return false;
    }
  }
  if (c.arch.empty()) {
    std::cerr << "conformance test: --arch=ID is required\n";
    return false;
  }
  if (c.protocols.empty()) c.protocols = protocol_names();
  for (const std::string& p : c.protocols) {
    if (select_cases(p).empty()) {
      std::cerr << "conformance test: no cases for protocol " << p << "\n";
      return false;
    }
  }
  return true;
}

}  // namespace
}  // namespace archbench::conformance

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (!archbench::conformance::parse_flags(argc, argv)) return 2;
  const auto& cfg = archbench::conformance::config();
  std::cout << "conformance: //servers/" << cfg.arch << ", package-max-length "
            << cfg.options.package_max_length << ", ws-max-message " << cfg.options.ws_max_message
            << ", package-eof \"" << archbench::conformance::printable(cfg.options.package_eof)
            << "\", timeout " << cfg.options.io_timeout.count() << " ms"
            << (cfg.sequential ? ", sequential" : "") << std::endl;
  for (const std::string& protocol : archbench::conformance::config().protocols) {
    archbench::conformance::register_protocol(protocol);
  }
  return RUN_ALL_TESTS();
}
