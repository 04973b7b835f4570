#include "servers/process/child_processes.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <thread>

#include "servers/core/server_log.h"
#include "servers/core/stop_signal.h"
#include "servers/process/child_exit_pipe.h"

namespace archbench::process {

std::string describe_exit(int wait_status) {
  if (WIFEXITED(wait_status))
    return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const int signal_number = WTERMSIG(wait_status);
    const char* name = ::strsignal(signal_number);
    std::string text = "killed by signal " + std::to_string(signal_number);
    if (name != nullptr) text += std::string(" (") + name + ")";
    if (WCOREDUMP(wait_status)) text += ", core dumped";
    return text;
  }
  return "ended with wait status " + std::to_string(wait_status);
}

pid_t fork_child(const std::function<int()>& body) {
  const pid_t parent = ::getpid();
  // SIGTERM/SIGINT stay blocked across fork() until the child has its own stop pipe. Without
  // this, a SIGTERM that reaches a child in its first microseconds runs the handler with the
  // parent's pipe still installed: the stop is written into the PARENT's pipe (whose loop then
  // sees a readable stop pipe without a stop) and forgotten by the child, which goes on to sleep
  // in accept() for good. Blocked, the signal waits and is delivered right after the swap.
  sigset_t stop_signals, previous;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  ::sigprocmask(SIG_BLOCK, &stop_signals, &previous);
  const pid_t pid = ::fork();
  if (pid != 0) {  // the parent (or -1: fork failed, errno set)
    const int saved_errno = errno;
    ::sigprocmask(SIG_SETMASK, &previous, nullptr);
    errno = saved_errno;
    return pid;
  }

  // The child: a private stop pipe first, then let the stop signals in.
  reinit_stop_after_fork();
  ::sigprocmask(SIG_SETMASK, &previous, nullptr);
  forget_child_exit_pipe_in_child();
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  // The parent may have died between fork() and prctl(): then no signal will ever come.
  if (::getppid() != parent) ::_exit(0);

  int code = 1;
  try {
    code = body();
  } catch (const std::exception& e) {
    log_line("child " + std::to_string(::getpid()) + ": " + e.what());
  } catch (...) {
    log_line("child " + std::to_string(::getpid()) + ": unknown exception");
  }
  ::_exit(code);
}

void shut_down_listener(int listen_fd) { ::shutdown(listen_fd, SHUT_RDWR); }

bool is_listener_shut_down(int accept_error) { return accept_error == EINVAL; }

std::vector<ChildExit> ChildSet::reap_ended() {
  std::vector<ChildExit> ended;
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      pids_.erase(pid);
      ended.push_back({pid, status});
      continue;
    }
    if (pid < 0 && errno == EINTR) continue;
    return ended;  // 0: children left but none ended; -1/ECHILD: no children at all
  }
}

ChildExit ChildSet::reap(pid_t pid) {
  ChildExit ended{pid, 0};
  while (::waitpid(pid, &ended.status, 0) < 0 && errno == EINTR) {
  }
  pids_.erase(pid);
  return ended;
}

std::vector<ChildExit> ChildSet::stop_all(std::chrono::milliseconds grace) {
  std::vector<ChildExit> ended;
  for (pid_t pid : pids_) ::kill(pid, SIGTERM);
  // Bounded wait on the way out. A short sleep loop is acceptable here (it runs once, for at most
  // `grace`), and it keeps ChildSet independent of how the caller learns about deaths.
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (!pids_.empty() && std::chrono::steady_clock::now() < deadline) {
    for (ChildExit& exit : reap_ended()) ended.push_back(exit);
    if (!pids_.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!pids_.empty()) {
    log_line("stop: " + std::to_string(pids_.size()) + " child(ren) still running after " +
             std::to_string(grace.count()) + " ms; sending SIGKILL");
    for (pid_t pid : pids_) ::kill(pid, SIGKILL);
    const std::set<pid_t> left = pids_;
    for (pid_t pid : left) ended.push_back(reap(pid));
  }
  return ended;
}

}  // namespace archbench::process
