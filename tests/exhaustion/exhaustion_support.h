// What the descriptor-exhaustion tests measure and do to a running server, apart from GoogleTest:
// starting it under a descriptor limit, one request/reply round trip that tells "served" from
// "refused" from "left waiting", the CPU time of its whole process tree, and lowering the
// descriptor limit of a process that is already running.
//
// Thread-safety: none of this is shared between threads; each test uses its own objects.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "servers/testing/server_process.h"
#include "servers/testing/test_connection.h"

namespace archbench::exhaustion {

using std::chrono::milliseconds;
using testing::ServerProcess;
using testing::TestConnection;

// util-linux prlimit(1): sets the limits, then execs the command, so the pid ServerProcess
// started (and the READY line names) is the server itself.
inline constexpr const char* kPrlimit = "/usr/bin/prlimit";

// Starts //servers/<arch> as `prlimit --nofile=N:N -- <binary> --protocol P --host 127.0.0.1
// --port 0 <args>`.
std::unique_ptr<ServerProcess> start_limited_server(const std::string& arch,
                                                    const std::string& protocol, int nofile,
                                                    const std::vector<std::string>& args);

// What became of one request.
enum class Reply {
  kServed,   // the correct reply arrived
  kClosed,   // the server closed the connection (EOF or reset) without replying
  kNoReply,  // nothing within the wait: the connection sits in the backlog (or the server hangs)
  kWrong,    // bytes arrived, but not the reply the request asks for
};
const char* reply_name(Reply reply);

// A request whose correct reply is known: for "echo" the bytes of `tag` (echoed back); for
// "http" `POST /echo` with `tag` as the body (answered 200 with that body).
std::string request_for(const std::string& protocol, const std::string& tag);

// Reads the reply to request_for(protocol, tag), sent earlier on `c`, waiting at most `wait`.
Reply await_reply(TestConnection& c, const std::string& protocol, const std::string& tag,
                  milliseconds wait);

// Sends request_for(protocol, tag) on `c` and reads its reply.
Reply round_trip(TestConnection& c, const std::string& protocol, const std::string& tag,
                 milliseconds wait);

// CPU seconds (user + system, plus those of reaped children) of `root` and every process below
// it, from /proc. Processes that came and went entirely between two calls are not seen, except
// through their parent's reaped-children counters.
double tree_cpu_seconds(pid_t root);

// CPU time of the process tree over a `window` of wall time, as a fraction of that window (1.0:
// one core busy all the time).
double tree_cpu_share(pid_t root, milliseconds window);

// The lowest descriptor number `pid` does not have open, from /proc/<pid>/fd: the number its next
// open/accept would get.
int lowest_free_descriptor(pid_t pid);

// Waits (at most `limit`) until none of `pids` has changed its open descriptors for 200 ms and
// each is asleep: a child forked just before READY may still be setting itself up (its own stop
// pipe), and lowering its limit then would stop it from starting rather than from accepting.
// Returns false if they did not settle in time.
bool wait_until_settled(const std::vector<pid_t>& pids, milliseconds limit);

// Lowers the soft RLIMIT_NOFILE of running processes to their lowest free descriptor, so each
// one's next accept()/recvmsg(SCM_RIGHTS) fails with EMFILE while what it holds keeps working:
// "the limit is hit by something else". Restores the old limits in restore() or the destructor.
class LoweredLimits {
 public:
  LoweredLimits() = default;
  ~LoweredLimits() { restore(); }
  LoweredLimits(const LoweredLimits&) = delete;
  LoweredLimits& operator=(const LoweredLimits&) = delete;

  // False (and `error` set) if /proc or prlimit(2) refused.
  bool lower(pid_t pid, std::string& error);
  void restore();
  std::size_t size() const { return saved_.size(); }

 private:
  struct Saved {
    pid_t pid;
    unsigned long long soft;
    unsigned long long hard;
  };
  std::vector<Saved> saved_;
};

// Lines of `log` that contain `needle`.
int count_lines_with(const std::string& log, const std::string& needle);
// The first such line ("" if none).
std::string first_line_with(const std::string& log, const std::string& needle);

}  // namespace archbench::exhaustion
