#include "servers/core/stop_signal.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "servers/core/server_log.h"

namespace archbench {
namespace {

// Plain ints/atomics only: the handler may touch nothing else.
std::atomic<int> g_read_fd{-1};
std::atomic<int> g_write_fd{-1};
std::atomic<bool> g_stop{false};

void make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    log_line(std::string("cannot create the stop pipe: ") + std::strerror(errno));
    std::exit(1);
  }
  g_read_fd.store(fds[0]);
  g_write_fd.store(fds[1]);
}

void on_stop_signal(int) { request_stop(); }

}  // namespace

void install_stop_handlers() {
  if (g_read_fd.load() < 0) make_pipe();
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // No SA_RESTART: see the header.
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);

  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGPIPE, &ignore, nullptr);
}

int stop_fd() {
  if (g_read_fd.load() < 0) make_pipe();
  return g_read_fd.load();
}

bool stop_requested() { return g_stop.load(); }

void request_stop() {
  int saved_errno = errno;
  g_stop.store(true);
  int fd = g_write_fd.load();
  if (fd >= 0) {
    char byte = 1;
    // A full pipe (EAGAIN) is fine: it is readable already.
    [[maybe_unused]] ssize_t n = ::write(fd, &byte, 1);
  }
  errno = saved_errno;
}

void reinit_stop_after_fork() {
  // The inherited pipe goes first, then the new one is made: a child forked with its parent one
  // or two descriptors short of the limit must not die for want of its stop pipe. While there is
  // no pipe (write end -1), a signal only sets g_stop; the re-arm below turns that into a byte.
  int old_write = g_write_fd.exchange(-1);
  int old_read = g_read_fd.exchange(-1);
  if (old_write >= 0) ::close(old_write);
  if (old_read >= 0) ::close(old_read);
  g_stop.store(false);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    log_line(std::string("cannot create the stop pipe: ") + std::strerror(errno));
    std::_Exit(1);
  }
  g_read_fd.store(fds[0]);
  g_write_fd.store(fds[1]);
  // A signal that landed before the new pipe existed only set g_stop: re-arm.
  if (g_stop.load()) request_stop();
}

}  // namespace archbench
