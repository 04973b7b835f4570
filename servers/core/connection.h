// Connection: one client of a readiness-based loop (select, epoll, the reactor threads).
//
// It owns the socket (non-blocking), the Session, and an output buffer. The loop asks what the
// connection wants (wants_read / wants_write / next_deadline), waits for that, and reports what
// happened (on_readable / on_writable / on_deadline). The Connection does the rest:
//
//   on_readable: one recv() into a per-thread scratch buffer -> session.on_bytes (or
//                on_peer_closed on EOF) -> append the reply to the output buffer -> try to send
//                it at once (most replies fit the socket buffer, so most connections never ask
//                for write readiness at all).
//   on_writable: send what the socket accepts, keep the rest.
//   back-pressure: when the output buffer holds more than the high-water mark (a client that
//                sends but does not read), wants_read() turns false: the loop stops reading that
//                connection, so the session stops producing, until the buffer drains below the
//                low-water mark. One slow client costs at most ~high-water bytes of memory and
//                never stalls the others.
//   closing:     when the session sets out.close, the connection stops reading input for the
//                session, flushes, shuts down its sending side, then lingers (discarding input,
//                bounded by kLingerTime) until the peer closes, so the last reply is not lost to
//                an RST (see lingering_close.h).
//   broadcast:   the session's SessionOutput::broadcasts are kept for the loop (take_broadcasts);
//                the loop hands each to deliver_broadcast() of every connection whose
//                broadcast_group() matches, the sender included.
//
// Nothing here is protocol-specific: all protocol behaviour is in the Session.
//
// Thread-safety: a Connection belongs to one loop thread; all calls come from that thread.
// deliver_broadcast too: a loop that shares groups across threads must hop to the owner thread.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/session.h"
#include "servers/core/unique_fd.h"

namespace archbench {

struct ConnectionLimits {
  // Stop reading above this much unsent output, resume below low_water.
  std::size_t high_water = 1 << 20;
  std::size_t low_water = 256 << 10;
  // A broadcast that would grow the output past this closes the connection (a member that does
  // not read cannot make the server buffer every message forever).
  std::size_t broadcast_output_limit = 16 << 20;
};

class Connection {
 public:
  // `socket` must be non-blocking. `peer` names the client in log lines.
  Connection(UniqueFd socket, std::string peer, std::unique_ptr<Session> session,
             ConnectionLimits limits = {});
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() const { return socket_.get(); }
  const std::string& peer() const { return peer_; }

  // The loop saw read readiness (or hang-up / error, which read() reports).
  void on_readable(const Now& now);
  // The loop saw write readiness.
  void on_writable(const Now& now);
  // The loop woke at or after next_deadline() (calling it early is harmless: nothing is due).
  void on_deadline(const Now& now);
  // A message from a member of this connection's broadcast group.
  void deliver_broadcast(std::string_view encoded, const Now& now);
  // Closes at once without flushing (server stop). Idempotent.
  void close_now();

  // What to wait for. A closed connection wants nothing.
  bool wants_read() const;
  bool wants_write() const { return !is_closed() && unsent() > 0; }
  std::optional<TimePoint> next_deadline() const;
  bool is_closed() const { return state_ == State::kClosed; }

  std::string_view broadcast_group() const;
  bool has_broadcasts() const { return !broadcasts_.empty(); }
  // Broadcasts produced since the last call, in order; the loop delivers them.
  std::vector<std::string> take_broadcasts();

  // Bytes waiting to be sent (for tests and the loops' statistics).
  std::size_t unsent() const { return output_.size() - output_sent_; }
  // True while reading is paused by back-pressure.
  bool paused() const { return paused_; }

 private:
  enum class State {
    kOpen,       // reading and writing
    kClosing,    // the session is done: flush the output, then shut down
    kLingering,  // FIN sent; discarding input until the peer closes or kLingerTime passes
    kClosed,
  };

  // Takes one session call's output: log, bytes, broadcasts, close.
  void absorb(SessionOutput& out);
  // Sends as much of the output as the socket takes.
  void flush();
  // State changes that follow from the output being empty, EOF, ...
  void advance(const Now& now);
  void update_pause();
  void read_for_linger();

  UniqueFd socket_;
  std::string peer_;
  std::unique_ptr<Session> session_;
  ConnectionLimits limits_;
  State state_ = State::kOpen;
  bool peer_eof_ = false;
  bool paused_ = false;
  std::string output_;
  std::size_t output_sent_ = 0;  // output_[0, output_sent_) is sent; compacted now and then
  std::vector<std::string> broadcasts_;
  SessionOutput scratch_;
  TimePoint linger_until_{};
  std::size_t lingered_bytes_ = 0;
};

}  // namespace archbench
