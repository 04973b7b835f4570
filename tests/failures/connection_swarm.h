// ConnectionSwarm: many client connections driven from one thread with poll(), the way a storm
// of bad clients or a slowloris attack looks from the server's side, without a thread each.
//
//   ConnectionSwarm swarm;
//   ASSERT_TRUE(swarm.open(server.port(), 50, error)) << error;
//   for (std::size_t i = 0; i < swarm.size(); ++i) swarm.queue(i, bad_request(i));
//   swarm.pump_until(deadline);                 // send, receive, until every peer is closed
//   for (auto& peer : swarm.peers()) check(peer.received, peer.ended());
//
// Each peer sends what was queued for it as the socket takes it and keeps everything it
// receives. As soon as the server ends a connection (EOF or reset) the swarm closes its side
// too: a server in a lingering close (servers/core/lingering_close.h) waits for exactly that,
// and a blocking server with one worker would otherwise spend its linger time on every peer.
//
// Thread-safety: one swarm is used by one thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "servers/testing/test_connection.h"

namespace archbench::failures {

class ConnectionSwarm {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  struct Peer {
    testing::TestConnection connection;
    std::string unsent;    // queued bytes the socket has not taken yet
    std::string received;  // everything the server sent, up to kMaxReceived
    std::size_t sent = 0;
    bool eof = false;          // the server closed with FIN
    bool reset = false;        // ECONNRESET (or another receive error, see error)
    bool send_failed = false;  // the server stopped taking bytes (EPIPE, ECONNRESET)
    std::string error;
    std::optional<TimePoint> first_reply;  // when the first byte from the server arrived
    std::optional<TimePoint> ended_at;     // when EOF or the reset was seen

    // The server ended the connection (the swarm has closed its side since).
    bool ended() const { return eof || reset; }
    std::string describe_end() const;
  };

  // Received bytes kept per peer; more is counted as an error (no case expects that much).
  static constexpr std::size_t kMaxReceived = 1u << 20;

  // Connects n more peers to 127.0.0.1:port. False, with `error`, when one fails to connect.
  bool open(std::uint16_t port, std::size_t n, std::string& error);
  std::size_t size() const { return peers_.size(); }

  // Appends bytes to peer i's outgoing queue; ignored once the peer has ended.
  void queue(std::size_t i, std::string_view bytes);

  // Sends and receives until every peer has ended or `deadline` passes.
  void pump_until(TimePoint deadline);
  // The same, but returns as soon as anything happens (for callers that act on each event).
  void pump_once(TimePoint deadline);

  std::size_t live_count() const;
  const std::vector<Peer>& peers() const { return peers_; }
  const Peer& peer(std::size_t i) const { return peers_[i]; }

 private:
  void send_queued(Peer& peer);
  void receive(Peer& peer, TimePoint now);

  std::vector<Peer> peers_;
};

}  // namespace archbench::failures
