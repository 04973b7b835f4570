#include "servers/core/lingering_close.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "servers/core/clock.h"
#include "servers/core/stop_signal.h"

namespace archbench {

void close_gracefully(UniqueFd socket, bool peer_eof_seen) {
  const int fd = socket.get();
  if (fd < 0) return;
  ::shutdown(fd, SHUT_WR);
  if (peer_eof_seen) return;  // ~UniqueFd closes.
  const TimePoint give_up = Clock::now() + kLingerTime;
  std::size_t discarded = 0;
  char sink[16 * 1024];
  while (discarded < kLingerMaxBytes) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd(), POLLIN, 0}};
    int timeout = timeout_ms_until(give_up, Clock::now());
    if (timeout == 0) return;
    int ready = ::poll(fds, 2, timeout);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0 || fds[1].revents != 0) return;
    ssize_t n = ::recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
    if (n == 0) return;  // The peer's FIN: a clean close both ways.
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return;
    }
    discarded += static_cast<std::size_t>(n);
  }
}

}  // namespace archbench
