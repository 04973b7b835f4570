// The architecture a failures test attacks (from the test's command line, set by
// failures_test.bzl), a server of it started per case, and the check every case ends with:
// "the server survived and still serves".
//
//   ServerUnderTest server("http", {"--package-max-length", "40000000"});
//   ASSERT_TRUE(server.start()) << server.error();
//   ... attack it ...
//   EXPECT_EQ(server.health_problem(), "") << server.log();
//
// health_problem() is the survival contract of issue #8: the process is still running, its
// log shows no crash (no "killed by signal", no sanitizer report, no C++ terminate), a new
// client of the same protocol is served correctly, no child is left a zombie, and a design
// with long-lived children (prefork, worker_pool, pass-fd workers, the reactor's manager) has
// lost none of them.
//
// Thread-safety: target() is written once by main before any test runs, then only read.
// A ServerUnderTest is used by the test's main thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "servers/testing/server_process.h"

namespace archbench::failures {

struct Target {
  std::string arch;                      // "prefork": the binary //servers/prefork
  std::vector<std::string> server_args;  // the architecture's flags for every start
  // Connections the design serves at once when it blocks a worker per connection (workers,
  // pool threads, --max-procs, 1 for iterative); 0 when it multiplexes any number (event
  // loops, Asio, the reactor, a thread per connection).
  int capacity = 0;
  // The design keeps a fixed set of child processes that must outlive every case.
  bool long_lived_children = false;
  // --header-timeout-ms for the slowloris cases and --keepalive-timeout-ms for the keep-alive
  // ones (blocking designs that serve few connections at once get a shorter one so that K slow
  // or idle connections in turn fit the time budget).
  int header_timeout_ms = 1000;
};

// The target of this test binary.
Target& target();
// "socketpair_workers --mode pass-fd --workers 4": the architecture and its flags, for the
// summary lines the cases print.
std::string target_label();
// Parses --arch=ID, --server-arg=ARG (repeatable), --capacity=N, --long-lived-children,
// --header-timeout-ms=N. False with `error` on anything else or a missing --arch.
bool parse_target_flags(int argc, char** argv, std::string& error);

// Generous bound on one client operation: the machine has two cores shared with other tests.
inline constexpr std::chrono::milliseconds kIoTimeout{10000};

class ServerUnderTest {
 public:
  // --protocol `protocol` --host 127.0.0.1 --port 0, the target's flags, then `extra`.
  explicit ServerUnderTest(std::string protocol, std::vector<std::string> extra = {});

  // Starts the server and waits for READY. False with error() when it did not come up.
  bool start();
  const std::string& error() const { return error_; }
  // Exit status when the server exited during start (2: it rejected a flag), else -1.
  int start_exit_code() const { return start_exit_code_; }

  std::uint16_t port() const { return process_->port(); }
  testing::ServerProcess& process() { return *process_; }
  const std::string& protocol() const { return protocol_; }

  // "<arch> --protocol P" and the tail of the server's stderr: for every assertion message.
  std::string log() const;

  // Empty when the server survived (see the header comment); otherwise every problem found.
  std::string health_problem();

  // A fresh client of this server's protocol gets a correct reply. Empty when good.
  std::string probe();

 private:
  std::string protocol_;
  std::vector<std::string> args_;
  std::unique_ptr<testing::ServerProcess> process_;
  std::vector<pid_t> children_at_start_;
  std::string error_;
  int start_exit_code_ = -1;
};

// Log lines that mean some process of the server crashed or died unexpectedly.
std::string crash_lines(const std::string& log);

}  // namespace archbench::failures

// Starts `server` (a ServerUnderTest) in a test body. When the server rejects `flag` (exit status
// 2 with the flag's name in its message: a tree where the flag does not exist yet) the test is
// skipped with that message; any other start failure fails it. A macro because GTEST_SKIP and
// FAIL return from the test body.
#define START_OR_SKIP_WITHOUT_FLAG(server, flag)                                             \
  do {                                                                                       \
    if (!(server).start()) {                                                                 \
      if ((server).start_exit_code() == 2 &&                                                 \
          (server).error().find(flag) != std::string::npos) {                                \
        GTEST_SKIP() << "the server rejected " << (flag) << " (exit status 2): the flag is " \
                     << "not in this tree yet. " << (server).error();                        \
      }                                                                                      \
      FAIL() << (server).error();                                                            \
    }                                                                                        \
  } while (false)
