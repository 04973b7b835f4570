#include "tests/failures/connection_swarm.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace archbench::failures {
namespace {

int millis_until(ConnectionSwarm::TimePoint deadline) {
  auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<std::chrono::milliseconds::rep>(0, left.count()));
}

}  // namespace

std::string ConnectionSwarm::Peer::describe_end() const {
  if (eof) return "closed by the server (FIN)";
  if (reset) return "reset (" + error + ")";
  return "still open";
}

bool ConnectionSwarm::open(std::uint16_t port, std::size_t n, std::string& error) {
  peers_.reserve(peers_.size() + n);
  for (std::size_t i = 0; i < n; ++i) {
    Peer peer;
    peer.connection = testing::TestConnection::connect(port);
    if (!peer.connection.ok()) {
      error = "connection " + std::to_string(peers_.size()) + ": " + peer.connection.error();
      return false;
    }
    peers_.push_back(std::move(peer));
  }
  return true;
}

void ConnectionSwarm::queue(std::size_t i, std::string_view bytes) {
  Peer& peer = peers_[i];
  if (peer.ended() || peer.send_failed) return;
  peer.unsent.append(bytes);
  send_queued(peer);
}

std::size_t ConnectionSwarm::live_count() const {
  return static_cast<std::size_t>(
      std::count_if(peers_.begin(), peers_.end(), [](const Peer& p) { return !p.ended(); }));
}

void ConnectionSwarm::send_queued(Peer& peer) {
  while (!peer.unsent.empty() && !peer.send_failed && peer.connection.ok()) {
    ssize_t n = ::send(peer.connection.fd(), peer.unsent.data(), peer.unsent.size(),
                       MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      peer.unsent.erase(0, static_cast<std::size_t>(n));
      peer.sent += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;  // poll() says when there is room again
    } else {
      // The server stopped reading and closed (it may have answered first: keep receiving).
      peer.send_failed = true;
      peer.unsent.clear();
    }
  }
}

void ConnectionSwarm::receive(Peer& peer, TimePoint now) {
  char buffer[16 * 1024];
  for (;;) {
    ssize_t n = ::recv(peer.connection.fd(), buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n > 0) {
      if (!peer.first_reply) peer.first_reply = now;
      const std::size_t room = kMaxReceived - std::min(kMaxReceived, peer.received.size());
      peer.received.append(buffer, std::min(room, static_cast<std::size_t>(n)));
      if (room < static_cast<std::size_t>(n)) peer.error = "more than kMaxReceived bytes";
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n == 0) {
      peer.eof = true;
    } else {
      peer.reset = true;
      peer.error = std::strerror(errno);
    }
    peer.ended_at = now;
    peer.connection.close();  // release a server that lingers until we close
    return;
  }
}

void ConnectionSwarm::pump_once(TimePoint deadline) {
  std::vector<pollfd> fds;
  std::vector<Peer*> polled;
  for (Peer& peer : peers_) {
    if (peer.ended() || !peer.connection.ok()) continue;
    const bool has_output = !peer.unsent.empty() && !peer.send_failed;
    fds.push_back(
        {peer.connection.fd(), static_cast<short>(POLLIN | (has_output ? POLLOUT : 0)), 0});
    polled.push_back(&peer);
  }
  if (fds.empty()) return;
  int ready = ::poll(fds.data(), fds.size(), millis_until(deadline));
  if (ready <= 0) return;  // the deadline (or EINTR): the caller decides what comes next
  const TimePoint now = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < fds.size(); ++i) {
    if (fds[i].revents == 0) continue;
    if (fds[i].revents & POLLOUT) send_queued(*polled[i]);
    if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) receive(*polled[i], now);
  }
}

void ConnectionSwarm::pump_until(TimePoint deadline) {
  while (live_count() > 0 && std::chrono::steady_clock::now() < deadline) pump_once(deadline);
}

}  // namespace archbench::failures
