#include "servers/core/blocking_driver.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
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

DriveEnd serve_blocking(UniqueFd socket, Session& session, const std::string& peer,
                        BroadcastPort* broadcast) {
  const int fd = socket.get();
  std::vector<char> buffer(kReadChunk);
  std::vector<std::shared_ptr<const std::string>> mail;
  SessionOutput out;
  bool peer_eof = false;

  // Hands what one session call produced to the group, the socket and the log.
  // Returns the end of the connection, or nothing to go on.
  auto flush = [&]() -> std::optional<DriveEnd> {
    std::string group;
    if (broadcast != nullptr) {
      // The group as the session reports it now: the sender's messages go there even when it
      // closes in the same call; only its membership ends at once.
      group = session.broadcast_group();
      broadcast->set_group(out.close ? std::string_view() : std::string_view(group));
    }
    if (!out.log.empty()) log_line(peer + ": " + out.log);
    if (broadcast == nullptr && !out.broadcasts.empty()) {
      log_line(peer + ": broadcast is not available in a blocking architecture; dropped");
    }
    WriteResult written = write_all(fd, out.bytes);
    const bool close = out.close;
    std::vector<std::string> broadcasts = std::move(out.broadcasts);
    out.clear();
    if (written == WriteResult::kStopped) return DriveEnd::kStopped;
    if (written == WriteResult::kPeerGone) return DriveEnd::kPeerGone;
    if (broadcast != nullptr && !broadcasts.empty()) {
      broadcast->publish(group, std::move(broadcasts));
    }
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
    // After EOF the socket stays readable forever, so it leaves the poll set (poll() skips
    // negative descriptors), as does the doorbell when there is no port.
    pollfd fds[3] = {{stop_fd(), POLLIN, 0},
                     {peer_eof ? -1 : fd, POLLIN, 0},
                     {broadcast != nullptr ? broadcast->doorbell_fd() : -1, POLLIN, 0}};
    int ready = ::poll(fds, 3, timeout_ms_until(deadline, Clock::now()));
    if (ready < 0 && errno != EINTR) return DriveEnd::kPeerGone;
    if (fds[0].revents != 0 || stop_requested()) return DriveEnd::kStopped;
    const Now now = read_now();

    if (fds[2].revents != 0) {
      mail.clear();
      if (!broadcast->take(mail)) {
        log_line(peer + ": does not read its broadcasts (mailbox over " +
                 std::to_string(broadcast->mailbox_limit()) + " bytes); closing");
        return DriveEnd::kPeerGone;
      }
      for (const std::shared_ptr<const std::string>& message : mail) {
        session.on_broadcast(*message, out);
        if (auto end = flush()) return *end;
      }
    }
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
