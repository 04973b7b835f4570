// AsioConnection: one client of //servers/asio, served with completion handlers on the one
// io_context (and so the one thread) that owns it.
//
//   async_read_some(buffer) --> session.on_bytes --> output queue --> async_write (one in flight)
//        ^                                                                  |
//        +---- not while the queue is above the high-water mark <-----------+ (back-pressure)
//   steady_timer at session.next_deadline() --> session.on_deadline
//   hub (other threads) --asio::post--> deliver_broadcast --> session.on_broadcast
//
// Why plain completion handlers rather than C++20 coroutines: the three activities (read, write,
// timer) start and stop each other (a full queue stops reading, an empty one lets the connection
// close, every session call moves the deadline). With handlers that is one small state machine,
// advance(), readable top to bottom; with coroutines it takes three coroutines signalling each
// other through timers used as condition variables, which hides more than it shows.
//
// Ownership: every pending operation's handler holds a shared_ptr to the connection, so it lives
// while anything is pending and dies with the last handler. The worker's ConnectionRegistry only
// holds weak_ptrs (to close everything at stop).
//
// Closing mirrors servers/core/connection.h: when the session sets out.close (or the peer is done
// and no deadline is pending), reading for the session stops, the queue is flushed, the sending
// side is shut down, and input is discarded until the peer closes or kLingerTime passes, so the
// last reply is not lost to an RST (servers/core/lingering_close.h).
//
// Thread-safety: every method runs on the owning io_context's thread (start() and
// deliver_broadcast() are posted there). Nothing is locked; the only shared object is the hub.
#pragma once

#include <asio.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocols/session.h"
#include "servers/core/connection.h"
#include "servers/threads/broadcast_hub.h"

namespace archbench::asio_server {

class AsioConnection;

// The live connections of one io_context, so a stop can close them all.
// Thread-safety: used only on that io_context's thread.
class ConnectionRegistry {
 public:
  void add(const std::shared_ptr<AsioConnection>& connection);
  void remove(const AsioConnection* connection) { live_.erase(connection); }
  std::size_t size() const { return live_.size(); }
  // Closes every connection at once, without flushing (server stop).
  void close_all();

 private:
  std::unordered_map<const AsioConnection*, std::weak_ptr<AsioConnection>> live_;
};

class AsioConnection : public std::enable_shared_from_this<AsioConnection> {
 public:
  // `socket` belongs to the io_context that will run this connection; `peer` names it in logs.
  AsioConnection(asio::ip::tcp::socket socket, std::string peer, std::unique_ptr<Session> session,
                 ConnectionRegistry& registry, threads::BroadcastHub& hub,
                 ConnectionLimits limits = {});
  ~AsioConnection();
  AsioConnection(const AsioConnection&) = delete;
  AsioConnection& operator=(const AsioConnection&) = delete;

  // Registers with the registry and the hub and issues the first read. On the owning thread.
  void start();
  // A message some member of this connection's group published. On the owning thread.
  void deliver_broadcast(const std::string& encoded);
  // Closes at once without flushing. Idempotent.
  void close_now();

 private:
  enum class State {
    kOpen,       // reading and writing
    kClosing,    // the session is done: flush the queue, then shut down the sending side
    kLingering,  // FIN sent; discarding input until the peer closes or the linger time passes
    kClosed,
  };

  void on_read(const asio::error_code& error, std::size_t n);
  void on_written(const asio::error_code& error);
  void on_timer(std::uint64_t generation, const asio::error_code& error);
  // Takes one session call's output: log, group, bytes, broadcasts, close.
  void absorb();
  // After every event: start what should run (read, write, timer) and move towards closing.
  void advance();
  void start_read();
  void start_write();
  void arm_timer(std::optional<TimePoint> deadline);
  std::size_t queued() const { return writing_.size() + pending_.size(); }

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  const std::string peer_;
  std::unique_ptr<Session> session_;
  ConnectionRegistry& registry_;
  threads::BroadcastHub& hub_;
  std::optional<threads::HubMembership> membership_;
  const ConnectionLimits limits_;

  State state_ = State::kOpen;
  bool reading_ = false;   // an async_read_some is pending
  bool paused_ = false;    // back-pressure: no reads until the queue drains below low_water
  bool peer_eof_ = false;
  std::vector<char> read_buffer_;
  std::string writing_;    // the bytes of the one async_write in flight
  std::string pending_;    // output produced meanwhile, written next
  SessionOutput out_;
  std::optional<TimePoint> timer_at_;  // what the pending wait is for (nullopt: none)
  std::uint64_t timer_generation_ = 0;  // tells a stale timer completion from the current one
  TimePoint linger_until_{};
  std::size_t lingered_bytes_ = 0;
};

}  // namespace archbench::asio_server
