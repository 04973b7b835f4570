#include "servers/core/blocking_driver.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include "servers/core/clock.h"
#include "servers/core/lingering_close.h"
#include "servers/core/server_log.h"
#include "servers/core/stop_signal.h"

namespace archbench {
namespace {

constexpr std::size_t kReadChunk = 64 * 1024;

enum class WriteResult { kDone, kPeerGone, kStopped };

// Writes all of `bytes`, waiting in poll() (next to the stop pipe) whenever the socket is full.
WriteResult write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd fds[2] = {{fd, POLLOUT, 0}, {stop_fd(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0 && errno != EINTR) return WriteResult::kPeerGone;
      if (fds[1].revents != 0) return WriteResult::kStopped;
      continue;
    }
    return WriteResult::kPeerGone;  // EPIPE, ECONNRESET, ...
  }
  return WriteResult::kDone;
}

}  // namespace

const char* drive_end_name(DriveEnd end) {
  switch (end) {
    case DriveEnd::kSessionClosed: return "closed by server";
    case DriveEnd::kPeerClosed: return "closed by peer";
    case DriveEnd::kPeerGone: return "peer gone";
    case DriveEnd::kStopped: return "stopped";
  }
  return "?";
}

DriveEnd serve_blocking(UniqueFd socket, Session& session, const std::string& peer) {
  const int fd = socket.get();
  std::vector<char> buffer(kReadChunk);
  SessionOutput out;
  bool peer_eof = false;

  // Hands what one session call produced to the socket and the log.
  // Returns the end of the connection, or nothing to go on.
  auto flush = [&]() -> std::optional<DriveEnd> {
    if (!out.log.empty()) log_line(peer + ": " + out.log);
    if (!out.broadcasts.empty()) {
      log_line(peer + ": broadcast is not available in a blocking architecture; dropped");
    }
    WriteResult written = write_all(fd, out.bytes);
    const bool close = out.close;
    out.clear();
    if (written == WriteResult::kStopped) return DriveEnd::kStopped;
    if (written == WriteResult::kPeerGone) return DriveEnd::kPeerGone;
    if (close) {
      close_gracefully(std::move(socket), peer_eof);
      return DriveEnd::kSessionClosed;
    }
    return std::nullopt;
  };

  for (;;) {
    if (stop_requested()) return DriveEnd::kStopped;
    std::optional<TimePoint> deadline = session.next_deadline();
    if (peer_eof && !deadline) {
      // The peer is done sending and the session waits for nothing: the conversation is over.
      close_gracefully(std::move(socket), true);
      return DriveEnd::kPeerClosed;
    }
    // After EOF the socket stays readable forever, so only the stop pipe and the clock matter.
    pollfd fds[2] = {{stop_fd(), POLLIN, 0}, {fd, static_cast<short>(peer_eof ? 0 : POLLIN), 0}};
    int ready = ::poll(fds, peer_eof ? 1 : 2, timeout_ms_until(deadline, Clock::now()));
    if (ready < 0 && errno != EINTR) return DriveEnd::kPeerGone;
    if (fds[0].revents != 0 || stop_requested()) return DriveEnd::kStopped;
    const Now now = read_now();

    if (deadline && *deadline <= now.steady) {
      session.on_deadline(now, out);
      if (auto end = flush()) return *end;
    }
    if (!peer_eof && fds[1].revents != 0) {
      ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
      if (n > 0) {
        session.on_bytes(std::string_view(buffer.data(), static_cast<std::size_t>(n)), now, out);
      } else if (n == 0) {
        peer_eof = true;
        session.on_peer_closed(now, out);
      } else if (errno != EINTR && errno != EAGAIN) {
        return DriveEnd::kPeerGone;
      }
      if (auto end = flush()) return *end;
    }
  }
}

}  // namespace archbench
