// ServerProcess: starts a server binary for a test, waits for its READY line, and cleans up.
//
//   ServerProcess server(ServerProcess::server_binary("iterative"), {"--protocol", "echo"});
//   ASSERT_TRUE(server.wait_ready()) << server.error();
//   TestConnection c = TestConnection::connect(server.port());
//   ...
//   server.send_signal(SIGTERM);
//   std::optional<int> status = server.wait_exit(std::chrono::seconds(2));
//   ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << server.stderr_text();
//
// The server's stdout comes through a pipe (for the READY line); its stderr goes to a temporary
// file, so a chatty server never blocks on a full pipe and a test can read the log at any time.
// The destructor SIGKILLs and reaps the server if it is still running, so a failing assertion
// never leaves a process behind.
//
// Thread-safety: one ServerProcess is used by one thread (the test's). Several may coexist.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace archbench::testing {

class ServerProcess {
 public:
  // Path of a runfile of this workspace: $TEST_SRCDIR/archbench/<relative> (falls back to
  // $RUNFILES_DIR, then to <argv0>.runfiles, then to the path itself for `bazel-bin` runs).
  static std::string runfile(std::string_view relative);
  // The binary of an architecture: runfile("servers/<id>/<id>"). The test needs
  // data = ["//servers/<id>"].
  static std::string server_binary(std::string_view architecture);

  // Starts `path` with `args` (argv[0] is the path). Does not wait: call wait_ready().
  // If fork/exec fails, wait_ready() returns false and error() says why.
  ServerProcess(std::string path, std::vector<std::string> args);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Reads stdout until a line "READY <host> <port> <pid>" within `timeout`. On timeout the server
  // is killed; on any failure error() holds the reason and the server's stderr so far.
  bool wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }
  // The pid announced on the READY line (0 before it): the process that was started.
  pid_t announced_pid() const { return announced_pid_; }
  // The pid this helper started.
  pid_t pid() const { return pid_; }
  const std::string& error() const { return error_; }

  // kill(pid, signal). Returns false if the process is already gone.
  bool send_signal(int signal);

  // Waits for the process to exit, at most `timeout`. Returns its wait status (WIFEXITED ...),
  // or nullopt if it is still running then. After an exit, later calls return the same status.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool running();

  // Live (non-zombie) direct children of the server, from /proc: for "never more than N
  // children" checks. Zombies are listed separately: a zombie is a child nobody reaped.
  std::vector<pid_t> children() const;
  std::vector<pid_t> zombie_children() const;
  // Whether `pid` exists and is not a zombie (for "no child left behind" after the server exits:
  // remember children() while it runs, check them after).
  static bool is_alive(pid_t pid);
  // Thread count of the server (from /proc/<pid>/status), 0 if gone.
  int thread_count() const;

  // What the server wrote to stderr / to stdout (READY line included) so far.
  std::string stderr_text() const;
  std::string stdout_text();

 private:
  void kill_and_reap();
  void drain_stdout(int timeout_ms);

  std::string path_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string stderr_path_;
  std::string stdout_seen_;
  std::string host_;
  std::uint16_t port_ = 0;
  pid_t announced_pid_ = 0;
  std::optional<int> exit_status_;
  std::string error_;
};

}  // namespace archbench::testing
