#include "servers/process/child_exit_pipe.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "servers/core/server_log.h"

namespace archbench::process {
namespace {

std::atomic<int> g_read_fd{-1};
std::atomic<int> g_write_fd{-1};

void on_child_exit(int) {
  int saved_errno = errno;
  int fd = g_write_fd.load();
  if (fd >= 0) {
    char byte = 1;
    // EAGAIN (pipe full) is fine: it is readable already, and the reaper loops anyway.
    [[maybe_unused]] ssize_t n = ::write(fd, &byte, 1);
  }
  errno = saved_errno;
}

}  // namespace

void install_child_exit_pipe() {
  if (g_read_fd.load() >= 0) return;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    log_line(std::string("cannot create the child-exit pipe: ") + std::strerror(errno));
    std::exit(1);
  }
  g_read_fd.store(fds[0]);
  g_write_fd.store(fds[1]);

  struct sigaction action {};
  action.sa_handler = on_child_exit;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  ::sigaction(SIGCHLD, &action, nullptr);
}

int child_exit_fd() { return g_read_fd.load(); }

void drain_child_exit_pipe() {
  int fd = g_read_fd.load();
  if (fd < 0) return;
  char buffer[64];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    return;  // 0 cannot happen (we hold the write end); EAGAIN: drained.
  }
}

void forget_child_exit_pipe_in_child() {
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGCHLD, &action, nullptr);
  int write_fd = g_write_fd.exchange(-1);
  int read_fd = g_read_fd.exchange(-1);
  if (write_fd >= 0) ::close(write_fd);
  if (read_fd >= 0) ::close(read_fd);
}

}  // namespace archbench::process
