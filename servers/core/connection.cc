#include "servers/core/connection.h"

#include <sys/socket.h>

#include <array>
#include <cerrno>

#include "servers/core/lingering_close.h"
#include "servers/core/server_log.h"

namespace archbench {
namespace {

// One scratch buffer per loop thread: reads are consumed by the session before the next read,
// so ten thousand idle connections cost no read buffers at all.
constexpr std::size_t kReadChunk = 64 * 1024;
thread_local std::array<char, kReadChunk> t_read_buffer;

bool would_block(int error) { return error == EAGAIN || error == EWOULDBLOCK || error == EINTR; }

}  // namespace

Connection::Connection(UniqueFd socket, std::string peer, std::unique_ptr<Session> session,
                       ConnectionLimits limits)
    : socket_(std::move(socket)),
      peer_(std::move(peer)),
      session_(std::move(session)),
      limits_(limits) {}

bool Connection::wants_read() const {
  if (state_ == State::kLingering) return true;
  return state_ == State::kOpen && !peer_eof_ && !paused_;
}

std::optional<TimePoint> Connection::next_deadline() const {
  if (state_ == State::kLingering) return linger_until_;
  if (state_ == State::kOpen) return session_->next_deadline();
  return std::nullopt;
}

std::string_view Connection::broadcast_group() const {
  if (state_ != State::kOpen) return {};
  return session_->broadcast_group();
}

std::vector<std::string> Connection::take_broadcasts() {
  std::vector<std::string> taken;
  taken.swap(broadcasts_);
  return taken;
}

void Connection::on_readable(const Now& now) {
  if (state_ == State::kLingering) {
    read_for_linger();
    return;
  }
  if (!wants_read()) return;
  ssize_t n = ::recv(socket_.get(), t_read_buffer.data(), t_read_buffer.size(), 0);
  if (n > 0) {
    session_->on_bytes(std::string_view(t_read_buffer.data(), static_cast<std::size_t>(n)), now,
                       scratch_);
  } else if (n == 0) {
    peer_eof_ = true;
    session_->on_peer_closed(now, scratch_);
  } else if (would_block(errno)) {
    return;  // A spurious wake-up (or a stale event for a reused descriptor).
  } else {
    close_now();  // ECONNRESET and friends: the peer is gone, nobody to flush to.
    return;
  }
  absorb(scratch_);
  flush();
  advance(now);
}

void Connection::on_writable(const Now& now) {
  if (is_closed()) return;
  flush();
  advance(now);
}

void Connection::on_deadline(const Now& now) {
  if (state_ == State::kLingering) {
    if (now.steady >= linger_until_) close_now();
    return;
  }
  if (state_ != State::kOpen) return;
  std::optional<TimePoint> due = session_->next_deadline();
  if (!due || *due > now.steady) return;
  session_->on_deadline(now, scratch_);
  absorb(scratch_);
  flush();
  advance(now);
}

void Connection::deliver_broadcast(std::string_view encoded, const Now& now) {
  if (state_ != State::kOpen) return;
  if (unsent() + encoded.size() > limits_.broadcast_output_limit) {
    log_line(peer_ + ": does not read its broadcasts (" + std::to_string(unsent()) +
             " bytes unsent); closing");
    close_now();
    return;
  }
  session_->on_broadcast(encoded, scratch_);
  absorb(scratch_);
  flush();
  advance(now);
}

void Connection::close_now() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  trace_connection("close", peer_);
  socket_.reset();
  output_.clear();
  output_sent_ = 0;
  broadcasts_.clear();
}

void Connection::absorb(SessionOutput& out) {
  if (!out.log.empty()) log_line(peer_ + ": " + out.log);
  if (state_ == State::kOpen) {
    if (output_sent_ == output_.size()) {
      output_.clear();
      output_sent_ = 0;
    }
    output_.append(out.bytes);
    for (std::string& message : out.broadcasts) broadcasts_.push_back(std::move(message));
    if (out.close) state_ = State::kClosing;
  }
  out.clear();
  update_pause();
}

void Connection::flush() {
  while (unsent() > 0) {
    ssize_t n = ::send(socket_.get(), output_.data() + output_sent_, unsent(),
                       MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      output_sent_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && would_block(errno)) break;
    close_now();  // EPIPE / ECONNRESET: the peer is gone.
    return;
  }
  if (output_sent_ == output_.size()) {
    output_.clear();
    output_sent_ = 0;
  } else if (output_sent_ > (1u << 20) && output_sent_ * 2 > output_.size()) {
    // Compact now and then, not on every partial send: erasing the front is a memmove.
    output_.erase(0, output_sent_);
    output_sent_ = 0;
  }
  update_pause();
}

void Connection::update_pause() {
  const std::size_t waiting = unsent();
  if (!paused_ && waiting >= limits_.high_water) paused_ = true;
  if (paused_ && waiting <= limits_.low_water) paused_ = false;
}

void Connection::advance(const Now& now) {
  // The peer finished sending and the session waits for no timer: nothing more will happen.
  if (state_ == State::kOpen && peer_eof_ && !session_->next_deadline()) state_ = State::kClosing;
  if (state_ != State::kClosing || unsent() > 0) return;
  ::shutdown(socket_.get(), SHUT_WR);
  if (peer_eof_) {
    close_now();
    return;
  }
  state_ = State::kLingering;
  linger_until_ = now.steady + kLingerTime;
  lingered_bytes_ = 0;
}

void Connection::read_for_linger() {
  ssize_t n = ::recv(socket_.get(), t_read_buffer.data(), t_read_buffer.size(), 0);
  if (n > 0) {
    lingered_bytes_ += static_cast<std::size_t>(n);
    if (lingered_bytes_ > kLingerMaxBytes) close_now();
    return;
  }
  if (n < 0 && would_block(errno)) return;
  close_now();  // EOF (the clean end) or an error.
}

}  // namespace archbench
