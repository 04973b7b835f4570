// What the reactor's process tests share (testonly): an HTTP client that checks every reply,
// a bounded background load that counts failures, the server's whole process tree from /proc,
// and the --trace lines of the reactor.
//
// Thread-safety: HttpClient is used by one thread; BackgroundLoad runs its own threads and its
// counters are atomics; the free functions use only their arguments.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "protocols/http/response_parser.h"
#include "servers/testing/server_process.h"
#include "servers/testing/test_connection.h"

namespace archbench::reactor::testing {

using archbench::testing::ServerProcess;
using archbench::testing::TestConnection;

// The reactor binary with `args`.
ServerProcess start_reactor(std::vector<std::string> args);

// A keep-alive HTTP/1.1 client over one TestConnection.
class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, const std::string& host = "127.0.0.1");
  bool ok() const { return connection_.ok(); }
  TestConnection& connection() { return connection_; }
  // Sends GET `target` and reads the response; nullopt (and error()) on any failure.
  std::optional<http::ParsedResponse> get(const std::string& target,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Sends `request` (raw) and reads `count` responses.
  std::vector<http::ParsedResponse> exchange(const std::string& request, int count,
                                             std::chrono::milliseconds timeout = std::chrono::seconds(5));
  const std::string& error() const { return error_; }

 private:
  TestConnection connection_;
  http::ResponseParser parser_;
  std::string pending_;
  std::string error_;
};

// `connections` client threads, each on its own keep-alive connection, sending GET / (http) or
// a numbered line (eof, "--package-eof \r\n") and checking every reply byte for byte, until
// stop(). A failed or wrong reply is counted, logged once, and the thread reconnects.
class BackgroundLoad {
 public:
  enum class Kind { kHttp, kEof };
  BackgroundLoad(std::uint16_t port, int connections, Kind kind);
  ~BackgroundLoad();
  void stop();
  long succeeded() const { return succeeded_.load(); }
  long failed() const { return failed_.load(); }
  std::string first_failure() const;

 private:
  void client(int index);

  std::uint16_t port_;
  Kind kind_;
  std::atomic<bool> stop_{false};
  std::atomic<long> succeeded_{0};
  std::atomic<long> failed_{0};
  mutable std::mutex mutex_;
  std::string first_failure_;
  std::vector<std::thread> threads_;
};

// Every live descendant of `pid` (children, grandchildren, ...), from /proc.
std::set<pid_t> descendants(pid_t pid);
// Resident memory of `pid` in KiB (VmRSS), 0 when gone.
long rss_kib(pid_t pid);

// One "trace: <event> ... session=S seq=N worker=W pid=P" line of a worker.
struct TraceLine {
  std::string event;  // "request", "open", "adopt", "upgrade", "data", ...
  std::string peer;   // "127.0.0.1:port" for open/adopt/serve, else ""
  std::uint64_t session = 0;
  std::uint32_t seq = 0;
  int worker = -1;
  int reactor = -1;
  pid_t pid = 0;
};
std::vector<TraceLine> trace_lines(const std::string& log);
// The session id the reactor gave the connection whose client port is `port` (from "serve").
std::optional<std::uint64_t> session_of(const std::string& log, std::uint16_t port);

// Waits (bounded) until `predicate` holds on the server's stderr.
bool wait_for_log(const ServerProcess& server, const std::string& needle,
                  std::chrono::milliseconds timeout = std::chrono::seconds(5));
// How often `needle` occurs in `text`.
int count_of(const std::string& text, const std::string& needle);

}  // namespace archbench::reactor::testing
