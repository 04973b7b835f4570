#include "servers/threads/broadcasting_driver.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <optional>
#include <vector>

#include "servers/core/clock.h"
#include "servers/core/connection.h"
#include "servers/core/lingering_close.h"
#include "servers/core/server_log.h"
#include "servers/core/stop_signal.h"
#include "servers/threads/mailbox.h"

namespace archbench::threads {
namespace {

constexpr std::size_t kReadChunk = 64 * 1024;

enum class WriteResult { kDone, kPeerGone, kStopped };

// Writes all of `bytes`, waiting in poll() (next to the stop pipe) whenever the socket is full.
// The doorbell is not watched here: mail waits until the write is done (see the header).
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

// One connection's state while it is served. Lives on the serving thread's stack.
class BroadcastingDriver {
 public:
  BroadcastingDriver(UniqueFd socket, Session& session, const std::string& peer,
                     BroadcastHub& hub)
      : socket_(std::move(socket)),
        session_(session),
        peer_(peer),
        hub_(hub),
        mailbox_(ConnectionLimits{}.broadcast_output_limit),
        membership_(hub, [this](const SharedMessage& m) { mailbox_.push(m); }) {}

  DriveEnd run() {
    std::vector<char> buffer(kReadChunk);
    for (;;) {
      if (stop_requested()) return DriveEnd::kStopped;
      std::optional<TimePoint> deadline = session_.next_deadline();
      if (peer_eof_ && !deadline) {
        // The peer is done sending and the session waits for nothing: the conversation is over.
        close_gracefully(std::move(socket_), true);
        return DriveEnd::kPeerClosed;
      }
      // After EOF the socket stays readable forever, so it leaves the poll set.
      pollfd fds[3] = {{stop_fd(), POLLIN, 0},
                       {mailbox_.doorbell_fd(), POLLIN, 0},
                       {socket_.get(), POLLIN, 0}};
      int ready = ::poll(fds, peer_eof_ ? 2 : 3, timeout_ms_until(deadline, Clock::now()));
      if (ready < 0 && errno != EINTR) return DriveEnd::kPeerGone;
      if (fds[0].revents != 0 || stop_requested()) return DriveEnd::kStopped;
      const Now now = read_now();

      if (fds[1].revents != 0) {
        Mailbox::Mail mail = mailbox_.take();
        if (mail.overflowed) {
          log_line(peer_ + ": does not read its broadcasts (mailbox over " +
                   std::to_string(ConnectionLimits{}.broadcast_output_limit) + " bytes); closing");
          return DriveEnd::kPeerGone;
        }
        for (const SharedMessage& message : mail.messages) {
          session_.on_broadcast(*message, out_);
          if (auto end = flush()) return *end;
        }
      }
      if (deadline && *deadline <= now.steady) {
        session_.on_deadline(now, out_);
        if (auto end = flush()) return *end;
      }
      if (!peer_eof_ && fds[2].revents != 0) {
        ssize_t n = ::recv(socket_.get(), buffer.data(), buffer.size(), 0);
        if (n > 0) {
          session_.on_bytes(std::string_view(buffer.data(), static_cast<std::size_t>(n)), now,
                            out_);
        } else if (n == 0) {
          peer_eof_ = true;
          session_.on_peer_closed(now, out_);
        } else if (errno != EINTR && errno != EAGAIN) {
          return DriveEnd::kPeerGone;
        }
        if (auto end = flush()) return *end;
      }
    }
  }

 private:
  // Hands what one session call produced to the hub, the socket and the log.
  // Returns the end of the connection, or nothing to go on.
  std::optional<DriveEnd> flush() {
    // The group as the session reports it now: the sender's messages go there even when it
    // closes in the same call; only its membership ends at once.
    const std::string group(session_.broadcast_group());
    membership_.set_group(out_.close ? std::string_view() : std::string_view(group));
    if (!out_.log.empty()) log_line(peer_ + ": " + out_.log);
    WriteResult written = write_all(socket_.get(), out_.bytes);
    const bool close = out_.close;
    std::vector<std::string> broadcasts = std::move(out_.broadcasts);
    out_.clear();
    if (written == WriteResult::kStopped) return DriveEnd::kStopped;
    if (written == WriteResult::kPeerGone) return DriveEnd::kPeerGone;
    for (std::string& message : broadcasts) {
      hub_.publish(group, std::make_shared<const std::string>(std::move(message)));
    }
    if (close) {
      close_gracefully(std::move(socket_), peer_eof_);
      return DriveEnd::kSessionClosed;
    }
    return std::nullopt;
  }

  UniqueFd socket_;
  Session& session_;
  const std::string& peer_;
  BroadcastHub& hub_;
  // Declared before membership_: the hub must forget this connection (membership_'s destructor)
  // before the mailbox its callback points to goes away.
  Mailbox mailbox_;
  HubMembership membership_;
  SessionOutput out_;
  bool peer_eof_ = false;
};

}  // namespace

DriveEnd serve_blocking_with_broadcast(UniqueFd socket, Session& session, const std::string& peer,
                                       BroadcastHub& hub) {
  BroadcastingDriver driver(std::move(socket), session, peer, hub);
  return driver.run();
}

}  // namespace archbench::threads
