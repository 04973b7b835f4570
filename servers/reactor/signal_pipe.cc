#include "servers/reactor/signal_pipe.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "servers/core/server_log.h"
#include "servers/process/child_processes.h"

namespace archbench::reactor {
namespace {

std::atomic<int> g_read_fd{-1};
std::atomic<int> g_write_fd{-1};
sigset_t g_signals;  // the signals routed to the pipe (written before any fork)

void on_signal(int signal_number) {
  const int saved_errno = errno;
  const int fd = g_write_fd.load();
  if (fd >= 0) {
    const char byte = static_cast<char>(signal_number);
    [[maybe_unused]] ssize_t n = ::write(fd, &byte, 1);  // full pipe: the loop is awake anyway
  }
  errno = saved_errno;
}

void make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    log_line(std::string("cannot create the signal pipe: ") + std::strerror(errno));
    std::_Exit(1);
  }
  const int old_read = g_read_fd.exchange(fds[0]);
  const int old_write = g_write_fd.exchange(fds[1]);
  if (old_read >= 0) ::close(old_read);
  if (old_write >= 0) ::close(old_write);
}

}  // namespace

void install_signal_pipe(std::initializer_list<int> signals) {
  if (g_read_fd.load() < 0) {
    make_pipe();
    sigemptyset(&g_signals);
  }
  for (int signal_number : signals) {
    sigaddset(&g_signals, signal_number);
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(signal_number, &action, nullptr);
  }
}

void reinit_signal_pipe() {
  if (g_read_fd.load() >= 0) make_pipe();
}

pid_t fork_with_private_signal_pipe(const std::function<int()>& body) {
  sigset_t previous;
  ::sigprocmask(SIG_BLOCK, &g_signals, &previous);
  const pid_t pid = process::fork_child([&]() -> int {
    reinit_signal_pipe();
    ::sigprocmask(SIG_SETMASK, &previous, nullptr);  // a pending signal now lands in our pipe
    return body();
  });
  const int saved_errno = errno;
  ::sigprocmask(SIG_SETMASK, &previous, nullptr);
  errno = saved_errno;
  return pid;
}

int signal_pipe_fd() { return g_read_fd.load(); }

std::vector<int> take_signals() {
  std::vector<int> signals;
  const int fd = g_read_fd.load();
  if (fd < 0) return signals;
  char buffer[64];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n > 0) {
      for (ssize_t i = 0; i < n; ++i) signals.push_back(static_cast<unsigned char>(buffer[i]));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return signals;
  }
}

}  // namespace archbench::reactor
