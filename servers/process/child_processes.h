// Forking children and keeping track of them: the bookkeeping every process-model server shares.
//
// fork_child() is the one way archbench's process models start a child, so every child gets the
// same three guarantees without each main loop repeating them:
//   - its own stop pipe (a SIGTERM sent to the child wakes the child, not the parent's pollers);
//   - a SIGTERM from the kernel when the parent dies (PR_SET_PDEATHSIG): a server killed with -9
//     leaves no orphan workers holding the port;
//   - it ends with _exit(), never by returning into the parent's main() or running its atexit
//     handlers and stdio flushes twice (the READY line would appear again).
//
// ChildSet is the parent's list of live children: who to signal at stop, who to count against a
// limit, and the reaping that turns a zombie into a log line.
//
// Thread-safety: everything here is for the single-threaded main loop of a parent process.
// fork() in a multi-threaded process copies only the calling thread, so none of these helpers may
// be used once the process has started threads.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace archbench::process {

// "exited with status 0", "killed by signal 9 (Killed)": a waitpid status for the log.
std::string describe_exit(int wait_status);

// Starts `body` in a new child process. In the parent: returns the child's pid, or -1 with errno
// set when fork() fails (EAGAIN at the process limit, ENOMEM). In the child: never returns; the
// process _exit()s with body's return value (1 when body throws, after logging what).
pid_t fork_child(const std::function<int()>& body);

// Wakes every process blocked in accept() on `listen_fd`, now and later: on Linux, shutdown() of
// a listening socket makes every pending and future accept() on it fail with EINVAL. Why a
// stopping parent needs this besides SIGTERM: a child that is just about to enter accept() when
// its SIGTERM lands runs the handler and then sleeps in accept() anyway (there is no way to check
// a flag and enter accept() atomically); a shut-down socket stays shut, so no child can miss it.
// Clients still queued in the backlog are reset, as they would be by close().
void shut_down_listener(int listen_fd);

// True for the accept() error that shut_down_listener() causes in the children.
bool is_listener_shut_down(int accept_error);

struct ChildExit {
  pid_t pid = -1;
  int status = 0;  // as from waitpid(): use describe_exit()
};

class ChildSet {
 public:
  void add(pid_t pid) { pids_.insert(pid); }
  // Returns false when `pid` was not ours.
  bool remove(pid_t pid) { return pids_.erase(pid) != 0; }
  bool contains(pid_t pid) const { return pids_.count(pid) != 0; }
  std::size_t size() const { return pids_.size(); }
  bool empty() const { return pids_.empty(); }
  const std::set<pid_t>& pids() const { return pids_; }

  // Collects every child that has already ended, without blocking (waitpid(-1, WNOHANG) until it
  // reports nothing more), and forgets them. The caller decides what a death means (log it,
  // replace the worker, free a slot). Why waitpid(-1) and not one call per pid: the cost is then
  // one syscall per ended child, not one per live child per round.
  std::vector<ChildExit> reap_ended();

  // Waits for one particular child (blocking) and forgets it. For callers that know the child is
  // exiting right now, e.g. its socketpair reported EOF, which the kernel delivers as the exiting
  // process closes its files, just before it becomes a zombie.
  ChildExit reap(pid_t pid);

  // Ends every child: SIGTERM to each (they close their connections and exit), up to `grace` for
  // them to go, then SIGKILL for the rest. On return every child has been reaped: no process and
  // no zombie is left. Used on SIGTERM of the parent; the default grace keeps the whole stop
  // under DESIGN.md's 2 s.
  std::vector<ChildExit> stop_all(
      std::chrono::milliseconds grace = std::chrono::milliseconds(1200));

 private:
  std::set<pid_t> pids_;
};

}  // namespace archbench::process
