#include "servers/asio/asio_connection.h"

#include "servers/core/clock.h"
#include "servers/core/lingering_close.h"
#include "servers/core/server_log.h"

namespace archbench::asio_server {
namespace {

// Per connection, because a pending async_read_some owns its buffer until it completes. 16 KiB
// keeps ten thousand idle connections at 160 MiB of buffers; the event_loop's readiness model
// needs none (it reads into one per-thread buffer only once data is there). The trade-off of
// completion-style I/O, and the reason some Asio servers wait with async_wait(wait_read) first.
constexpr std::size_t kReadBufferSize = 16 * 1024;

}  // namespace

void ConnectionRegistry::add(const std::shared_ptr<AsioConnection>& connection) {
  live_.emplace(connection.get(), connection);
}

void ConnectionRegistry::close_all() {
  std::vector<std::shared_ptr<AsioConnection>> all;
  for (auto& [key, weak] : live_) {
    if (auto connection = weak.lock()) all.push_back(std::move(connection));
  }
  for (auto& connection : all) connection->close_now();  // each removes itself from live_
}

AsioConnection::AsioConnection(asio::ip::tcp::socket socket, std::string peer,
                               std::unique_ptr<Session> session, ConnectionRegistry& registry,
                               threads::BroadcastHub& hub, ConnectionLimits limits)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      peer_(std::move(peer)),
      session_(std::move(session)),
      registry_(registry),
      hub_(hub),
      limits_(limits),
      read_buffer_(kReadBufferSize) {}

AsioConnection::~AsioConnection() { registry_.remove(this); }

void AsioConnection::start() {
  registry_.add(shared_from_this());
  // Another thread publishes; the message hops to this connection's io_context, where only this
  // connection's thread touches the session. weak_ptr: a connection that closed meanwhile is
  // simply gone, and the posted message with it.
  std::weak_ptr<AsioConnection> weak = weak_from_this();
  auto executor = socket_.get_executor();
  membership_.emplace(hub_, [weak, executor](const threads::SharedMessage& message) {
    asio::post(executor, [weak, message] {
      if (auto self = weak.lock()) self->deliver_broadcast(*message);
    });
  });
  trace_connection("serve", peer_);
  advance();
}

void AsioConnection::on_read(const asio::error_code& error, std::size_t n) {
  reading_ = false;
  if (state_ == State::kClosed) return;
  if (state_ == State::kLingering) {
    lingered_bytes_ += n;
    // EOF (the clean end), an error, or a peer that keeps sending: done.
    if (error || lingered_bytes_ > kLingerMaxBytes) {
      close_now();
    } else {
      advance();
    }
    return;
  }
  if (error && error != asio::error::eof) {
    close_now();  // reset: the peer is gone, nobody to flush to
    return;
  }
  if (state_ == State::kClosing) {
    // The session takes no more input after asking to close; only EOF still matters.
    if (error == asio::error::eof) peer_eof_ = true;
    advance();
    return;
  }
  const Now now = read_now();
  if (error == asio::error::eof) {
    peer_eof_ = true;
    session_->on_peer_closed(now, out_);
  } else {
    session_->on_bytes(std::string_view(read_buffer_.data(), n), now, out_);
  }
  absorb();
  advance();
}

void AsioConnection::on_written(const asio::error_code& error) {
  writing_.clear();
  if (state_ == State::kClosed) return;
  if (error) {
    close_now();  // EPIPE / reset
    return;
  }
  advance();
}

void AsioConnection::on_timer(std::uint64_t generation, const asio::error_code& error) {
  // Re-arming cancels the previous wait, but its handler may already be queued with success:
  // the generation tells it that it is stale.
  if (generation != timer_generation_ || error || state_ == State::kClosed) return;
  timer_at_.reset();
  const Now now = read_now();
  if (state_ == State::kLingering) {
    if (now.steady >= linger_until_) {
      close_now();
      return;
    }
  } else if (state_ == State::kOpen) {
    std::optional<TimePoint> due = session_->next_deadline();
    if (due && *due <= now.steady) {
      session_->on_deadline(now, out_);
      absorb();
    }
  }
  advance();
}

void AsioConnection::deliver_broadcast(const std::string& encoded) {
  if (state_ != State::kOpen) return;
  if (queued() + encoded.size() > limits_.broadcast_output_limit) {
    log_line(peer_ + ": does not read its broadcasts (" + std::to_string(queued()) +
             " bytes unsent); closing");
    close_now();
    return;
  }
  session_->on_broadcast(encoded, out_);
  absorb();
  advance();
}

void AsioConnection::close_now() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  trace_connection("close", peer_);
  membership_.reset();
  registry_.remove(this);
  ++timer_generation_;
  timer_.cancel();
  asio::error_code ignored;
  socket_.close(ignored);  // pending read/write complete with operation_aborted
}

void AsioConnection::absorb() {
  if (!out_.log.empty()) log_line(peer_ + ": " + out_.log);
  if (state_ == State::kOpen) {
    const std::string group(session_->broadcast_group());
    // Joined before the reply is written: a client that has its 101 is already a member.
    if (membership_) membership_->set_group(out_.close ? std::string() : group);
    pending_.append(out_.bytes);
    for (std::string& message : out_.broadcasts) {
      hub_.publish(group, std::make_shared<const std::string>(std::move(message)));
    }
    if (out_.close) state_ = State::kClosing;
  }
  out_.clear();
}

void AsioConnection::advance() {
  if (state_ == State::kClosed) return;
  // The peer finished sending and the session waits for no timer: nothing more will happen.
  if (state_ == State::kOpen && peer_eof_ && !session_->next_deadline()) {
    state_ = State::kClosing;
    if (membership_) membership_->set_group({});
  }
  // Back-pressure with hysteresis: stop reading above high_water, resume below low_water.
  if (!paused_ && queued() >= limits_.high_water) paused_ = true;
  if (paused_ && queued() <= limits_.low_water) paused_ = false;

  if (state_ == State::kOpen && !peer_eof_ && !paused_) start_read();
  start_write();
  if (state_ == State::kClosing && queued() == 0) {
    asio::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    if (peer_eof_) {
      close_now();
      return;
    }
    state_ = State::kLingering;
    linger_until_ = Clock::now() + kLingerTime;
    lingered_bytes_ = 0;
  }
  if (state_ == State::kLingering) start_read();

  if (state_ == State::kOpen) {
    arm_timer(session_->next_deadline());
  } else if (state_ == State::kLingering) {
    arm_timer(linger_until_);
  } else {
    arm_timer(std::nullopt);
  }
}

void AsioConnection::start_read() {
  if (reading_) return;
  reading_ = true;
  socket_.async_read_some(asio::buffer(read_buffer_),
                          [self = shared_from_this()](const asio::error_code& error,
                                                      std::size_t n) { self->on_read(error, n); });
}

void AsioConnection::start_write() {
  // One write in flight; whatever the session produces meanwhile waits in pending_.
  if (!writing_.empty() || pending_.empty()) return;
  writing_.swap(pending_);
  asio::async_write(socket_, asio::buffer(writing_),
                    [self = shared_from_this()](const asio::error_code& error, std::size_t) {
                      self->on_written(error);
                    });
}

void AsioConnection::arm_timer(std::optional<TimePoint> deadline) {
  if (deadline == timer_at_) return;
  // Lazy: a deadline later than the pending wait keeps that wait. When it fires early,
  // on_timer finds nothing due and arms the real one. The keep-alive deadline moves with every
  // reply, and re-arming per request (cancel, a cancelled completion, a new wait) cost about 3 %
  // of the server's CPU per request (results/keepalive_ab); this way a busy connection pays one
  // spurious wake-up per keep-alive period instead. nginx updates its timers lazily too.
  if (deadline && timer_at_ && *deadline > *timer_at_) return;
  timer_at_ = deadline;
  const std::uint64_t generation = ++timer_generation_;
  if (!deadline) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(*deadline);  // cancels the previous wait, if any
  timer_.async_wait([self = shared_from_this(), generation](const asio::error_code& error) {
    self->on_timer(generation, error);
  });
}

}  // namespace archbench::asio_server
