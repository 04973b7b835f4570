// ClientConnection: one client of a reactor thread, from accept to close.
//
// Like core's Connection (servers/core/connection.h), it owns the non-blocking socket, an output
// buffer with high/low water marks, and the shutdown-then-linger close. What differs is where
// replies come from: not from a Session called in place, but from worker processes, later, and
// possibly out of order (in dispatch modes 1 and 3 two pipelined requests may go to two workers).
// So the connection numbers every request it dispatches (seq 1, 2, ...) and keeps a reorder
// window: a reply is written only when every earlier one has been, which keeps HTTP pipelining
// and EOF/length replies in order in every dispatch mode (Swoole only promises that in the
// fixed modes).
//
//   read      one recv() -> the protocol's splitter (inbound_splitter.h) -> requests numbered
//             and handed to the ConnectionHost (the reactor thread), which picks the worker
//   replies   on_reply(seq) fills the window; the ready prefix goes to the output buffer
//   streams   a stateful session (WebSocket, timer) lives in the owner worker: raw input goes to
//             it, its output comes back unnumbered (on_stream_out) in channel order
//   back-pressure
//             no more reading while kMaxInFlight requests are unanswered, while the splitter
//             holds undispatched input, or while the unsent output is above the high-water mark
//             (until it drains below the low-water mark): a client that does not read its
//             replies makes the server stop reading it, so its memory stays bounded
//   closing   after a reply flagged close, bad input or the peer's EOF with nothing owed: flush,
//             shutdown(SHUT_WR), linger (core/lingering_close.h bounds), close
//   header timeout
//             while the splitter times a request's header section (--header-timeout-ms), one
//             wake-up is scheduled for its deadline; when it passes the splitter answers 408
//             (after the replies owed) and the connection closes as after bad input. A wake-up
//             for a header that completed in time finds nothing due; after the peer's EOF no
//             408 is sent (that request can never complete)
//
// Thread-safety: owned and used by one reactor thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/session.h"
#include "servers/core/unique_fd.h"
#include "servers/reactor/inbound_splitter.h"
#include "servers/reactor/ipc_message.h"

namespace archbench::reactor {

class ClientConnection;

// What a connection needs from its reactor thread.
class ConnectionHost {
 public:
  virtual ~ConnectionHost() = default;
  // Send request `seq` to a worker chosen by the dispatch mode (or park it until one is free).
  virtual void send_request(ClientConnection& c, MessageType type, std::uint32_t seq,
                            std::string_view payload) = 0;
  // Raw input for the owner worker's stateful session; kPeerClosed when `peer_closed`.
  virtual void send_stream(ClientConnection& c, std::string_view bytes) = 0;
  virtual void send_peer_closed(ClientConnection& c) = 0;
  // Wake me at `when` (lingering close, header timeout); the host then calls on_deadline().
  // Wake-ups are never cancelled: on_deadline() checks what is actually due.
  virtual void schedule(ClientConnection& c, TimePoint when) = 0;
  virtual const Now& now() const = 0;
};

struct ClientLimits {
  std::size_t high_water = 1 << 20;
  std::size_t low_water = 256 << 10;
  // Unnumbered output (broadcasts, a timer session's lines) beyond this closes the connection:
  // those are produced without the client asking, so only this bound holds them.
  std::size_t unrequested_output_limit = 16 << 20;
  // Requests dispatched and not yet answered; the reactor reads no more input beyond it.
  std::size_t max_in_flight = 16;
};

class ClientConnection final : public FramingSink {
 public:
  ClientConnection(ConnectionHost& host, std::uint64_t session, UniqueFd socket, std::string peer,
                   std::uint32_t address_key, std::unique_ptr<InboundSplitter> splitter,
                   ClientLimits limits = {});
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  std::uint64_t session() const { return session_; }
  int fd() const { return socket_.get(); }
  const std::string& peer() const { return peer_; }
  std::uint32_t address_key() const { return address_key_; }

  // Events from the reactor loop.
  void on_readable();
  void on_writable();
  void on_deadline();
  // A worker answered request `seq` (kReply).
  void on_reply(std::uint32_t seq, std::string_view bytes, std::uint8_t flags);
  // The owner's stateful session produced output (kStreamOut).
  void on_stream_out(std::string_view bytes, bool close);
  // A broadcast for this connection's group; closes a member that does not read.
  void deliver_broadcast(std::string_view encoded);
  // Server stop: read nothing more; close once every owed reply is sent.
  void begin_stop();
  // Closes at once (a worker died with this connection's state, heartbeat, stop deadline).
  void close_now(std::string_view why = {});

  bool wants_read() const;
  bool wants_write() const { return !is_closed() && unsent() > 0; }
  bool is_closed() const { return state_ == State::kClosed; }
  // Open, nothing owed, nothing unsent: what the heartbeat may close when idle long enough.
  bool is_quiet() const;
  // Quiet and between HTTP requests: what the keep-alive timeout may close.
  bool between_requests() const { return is_quiet() && splitter_->between_requests(); }
  TimePoint last_activity() const { return last_activity_; }
  bool stateful() const { return splitter_->streaming(); }
  std::size_t in_flight() const { return window_.size(); }
  std::size_t unsent() const { return output_.size() - output_sent_; }

  // The worker that receives this connection's open/close events (and its stateful data);
  // 0: none yet. Managed by the reactor thread.
  std::uint32_t owner_link = 0;
  // The broadcast group the owner's session joined ("" when none).
  std::string group;
  // Tied to its owner for life: its state lives there (a stateful protocol, or an upgrade sent).
  bool pinned = false;
  // Messages of this connection parked in the reactor until a worker can take them; later ones
  // queue behind them so a stream never overtakes itself.
  std::size_t parked = 0;

  // FramingSink (called by the splitter).
  bool has_room() const override;
  bool nothing_owed() const override { return window_.empty(); }
  void dispatch(MessageType type, std::string_view payload) override;
  void answer_and_close(std::string bytes, std::string log) override;
  void fail(std::string log) override;
  void stream(std::string_view bytes) override;
  void write_now(std::string_view bytes) override;
  const Now& now() const override { return host_.now(); }

 private:
  enum class State {
    kOpen,       // reading (unless back-pressure), answering
    kDraining,   // no more input is taken; close once the owed replies are sent
    kClosing,    // the last bytes are queued: flush, then shut down
    kLingering,  // FIN sent; discarding input until the peer closes or the linger time passes
    kClosed,
  };
  struct Pending {
    bool ready = false;
    bool close = false;
    bool upgraded = false;
    std::string bytes;
  };

  std::uint32_t next_seq() { return base_seq_ + static_cast<std::uint32_t>(window_.size()); }
  // Moves the ready prefix of the window to the output.
  void release_ready();
  void append_output(std::string_view bytes);
  void flush();
  // flush(), then dispatch kept input if that made room, then advance().
  void pump();
  // State changes that follow from the window, the output and the peer's EOF.
  void advance();
  void update_pause();
  void read_for_linger();
  // Schedules a wake-up for the splitter's deadline unless one at or before it is pending.
  void arm_splitter_deadline();

  ConnectionHost& host_;
  const std::uint64_t session_;
  UniqueFd socket_;
  const std::string peer_;
  const std::uint32_t address_key_;
  std::unique_ptr<InboundSplitter> splitter_;
  const ClientLimits limits_;

  State state_ = State::kOpen;
  bool peer_eof_ = false;
  bool peer_eof_forwarded_ = false;
  bool stopping_ = false;  // server stop: no lingering after the last byte
  bool paused_ = false;
  std::deque<Pending> window_;  // requests base_seq_, base_seq_ + 1, ... not yet written
  std::uint32_t base_seq_ = 1;
  std::string output_;
  std::size_t output_sent_ = 0;
  TimePoint last_activity_;
  TimePoint linger_until_{};
  std::size_t lingered_bytes_ = 0;
  std::optional<TimePoint> splitter_wake_;  // the wake-up pending for the splitter's deadline
};

}  // namespace archbench::reactor
