#include "servers/reactor/client_connection.h"

#include <sys/socket.h>

#include <array>
#include <cerrno>

#include "servers/core/lingering_close.h"
#include "servers/core/server_log.h"

namespace archbench::reactor {
namespace {

// One read buffer per reactor thread: a read is handed to the splitter before the next one.
constexpr std::size_t kReadChunk = 64 * 1024;
thread_local std::array<char, kReadChunk> t_read_buffer;

bool would_block(int error) { return error == EAGAIN || error == EWOULDBLOCK || error == EINTR; }

}  // namespace

ClientConnection::ClientConnection(ConnectionHost& host, std::uint64_t session, UniqueFd socket,
                                   std::string peer, std::uint32_t address_key,
                                   std::unique_ptr<InboundSplitter> splitter, ClientLimits limits)
    : host_(host),
      session_(session),
      socket_(std::move(socket)),
      peer_(std::move(peer)),
      address_key_(address_key),
      splitter_(std::move(splitter)),
      limits_(limits),
      last_activity_(host.now().steady) {}

bool ClientConnection::wants_read() const {
  if (state_ == State::kLingering) return true;
  if (state_ != State::kOpen || peer_eof_ || paused_) return false;
  if (splitter_->done() || splitter_->holding()) return false;
  return splitter_->streaming() || window_.size() < limits_.max_in_flight;
}

bool ClientConnection::has_room() const {
  return state_ == State::kOpen && !paused_ && window_.size() < limits_.max_in_flight;
}

bool ClientConnection::is_quiet() const {
  return state_ == State::kOpen && window_.empty() && unsent() == 0 && !splitter_->holding();
}

void ClientConnection::on_readable() {
  if (state_ == State::kLingering) {
    read_for_linger();
    return;
  }
  if (!wants_read()) return;
  const ssize_t n = ::recv(socket_.get(), t_read_buffer.data(), t_read_buffer.size(), 0);
  if (n > 0) {
    last_activity_ = host_.now().steady;
    splitter_->on_bytes(std::string_view(t_read_buffer.data(), static_cast<std::size_t>(n)), *this);
  } else if (n == 0) {
    peer_eof_ = true;
  } else if (would_block(errno)) {
    return;
  } else {
    close_now();  // reset by the peer: nobody to answer
    return;
  }
  pump();
}

void ClientConnection::on_writable() {
  if (is_closed()) return;
  pump();
}

// Sends what it can; if that made room, dispatches input the splitter kept; then moves the state
// on. Every event ends here, so kept input never waits for an event that will not come.
void ClientConnection::pump() {
  flush();
  if (state_ == State::kOpen && !paused_ && splitter_->holding()) {
    splitter_->resume(*this);
    flush();
  }
  advance();
  arm_splitter_deadline();
}

void ClientConnection::on_deadline() {
  const TimePoint now = host_.now().steady;
  if (state_ == State::kLingering) {
    if (now >= linger_until_) close_now();
    return;
  }
  if (splitter_wake_ && now >= *splitter_wake_) splitter_wake_.reset();
  if (state_ != State::kOpen || peer_eof_) return;
  const std::optional<TimePoint> due = splitter_->next_deadline();
  if (due && *due <= now) splitter_->on_deadline(*this);  // 408 into the window
  pump();  // sends it when nothing is owed before it; re-arms for a later deadline
}

void ClientConnection::arm_splitter_deadline() {
  if (state_ != State::kOpen || peer_eof_) return;
  const std::optional<TimePoint> due = splitter_->next_deadline();
  if (!due || (splitter_wake_ && *splitter_wake_ <= *due)) return;
  splitter_wake_ = due;
  host_.schedule(*this, *due);
}

void ClientConnection::dispatch(MessageType type, std::string_view payload) {
  const std::uint32_t seq = next_seq();
  window_.emplace_back();
  host_.send_request(*this, type, seq, payload);
}

void ClientConnection::answer_and_close(std::string bytes, std::string log) {
  if (!log.empty()) log_line(peer_ + ": " + log);
  Pending& answer = window_.emplace_back();
  answer.ready = true;
  answer.close = true;
  answer.bytes = std::move(bytes);
  release_ready();
}

void ClientConnection::fail(std::string log) { log_line(peer_ + ": " + log); }

void ClientConnection::stream(std::string_view bytes) {
  if (!bytes.empty()) host_.send_stream(*this, bytes);
}

void ClientConnection::write_now(std::string_view bytes) { append_output(bytes); }

void ClientConnection::on_reply(std::uint32_t seq, std::string_view bytes, std::uint8_t flags) {
  if (state_ != State::kOpen && state_ != State::kDraining) return;  // a closing reply went first
  if (seq < base_seq_ || seq >= next_seq()) {
    log_line(peer_ + ": reply " + std::to_string(seq) + " matches no request in flight; dropped");
    return;
  }
  Pending& slot = window_[seq - base_seq_];
  slot.ready = true;
  slot.close = (flags & kFlagClose) != 0;
  slot.upgraded = (flags & kFlagUpgraded) != 0;
  if (seq == base_seq_) {
    // In order (the usual case): straight to the output, no copy into the window.
    const bool close = slot.close, upgraded = slot.upgraded;
    window_.pop_front();
    ++base_seq_;
    append_output(bytes);
    if (close) state_ = State::kClosing;
    if (upgraded) {
      std::string handed_over = splitter_->on_upgraded();
      stream(handed_over);
    }
  } else {
    slot.bytes.assign(bytes);
  }
  release_ready();
  pump();
}

void ClientConnection::release_ready() {
  while (!window_.empty() && window_.front().ready) {
    Pending front = std::move(window_.front());
    window_.pop_front();
    ++base_seq_;
    if (state_ != State::kOpen && state_ != State::kDraining) continue;  // after a closing reply
    append_output(front.bytes);
    if (front.close) state_ = State::kClosing;
    if (front.upgraded) stream(splitter_->on_upgraded());
  }
}

void ClientConnection::on_stream_out(std::string_view bytes, bool close) {
  if (state_ != State::kOpen && state_ != State::kDraining) return;
  if (unsent() + bytes.size() > limits_.unrequested_output_limit) {
    close_now("does not read (" + std::to_string(unsent()) + " bytes unsent); closing");
    return;
  }
  append_output(bytes);
  if (close) state_ = State::kClosing;
  pump();
}

void ClientConnection::deliver_broadcast(std::string_view encoded) {
  if (state_ != State::kOpen || !splitter_->streaming()) return;
  if (unsent() + encoded.size() > limits_.unrequested_output_limit) {
    close_now("does not read its broadcasts (" + std::to_string(unsent()) +
              " bytes unsent); closing");
    return;
  }
  append_output(encoded);
  pump();
}

void ClientConnection::begin_stop() {
  if (state_ == State::kLingering) {
    close_now();  // everything was sent; the stop has no time to wait for the peer's FIN
    return;
  }
  stopping_ = true;
  if (state_ != State::kOpen) return;
  // A stateful session owes nothing in particular; a framed one owes its numbered replies.
  state_ = splitter_->streaming() ? State::kClosing : State::kDraining;
  flush();
  advance();
}

void ClientConnection::close_now(std::string_view why) {
  if (state_ == State::kClosed) return;
  if (!why.empty()) log_line(peer_ + ": " + std::string(why));
  state_ = State::kClosed;
  socket_.reset();
  output_.clear();
  output_sent_ = 0;
  window_.clear();
}

void ClientConnection::append_output(std::string_view bytes) {
  if (output_sent_ == output_.size()) {
    output_.clear();
    output_sent_ = 0;
  }
  output_.append(bytes);
  update_pause();
}

void ClientConnection::flush() {
  if (is_closed()) return;
  bool sent_any = false;
  while (unsent() > 0) {
    const ssize_t n = ::send(socket_.get(), output_.data() + output_sent_, unsent(),
                             MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      output_sent_ += static_cast<std::size_t>(n);
      sent_any = true;
      continue;
    }
    if (n < 0 && would_block(errno)) break;
    close_now();  // EPIPE / ECONNRESET: the peer is gone
    return;
  }
  if (sent_any) last_activity_ = host_.now().steady;
  if (output_sent_ == output_.size()) {
    output_.clear();
    output_sent_ = 0;
    if (output_.capacity() > (1u << 20)) std::string().swap(output_);
  } else if (output_sent_ > (1u << 20) && output_sent_ * 2 > output_.size()) {
    output_.erase(0, output_sent_);
    output_sent_ = 0;
  }
  update_pause();
}

void ClientConnection::update_pause() {
  const std::size_t waiting = unsent();
  if (!paused_ && waiting >= limits_.high_water) paused_ = true;
  if (paused_ && waiting <= limits_.low_water) paused_ = false;
}

void ClientConnection::advance() {
  if (state_ == State::kOpen || state_ == State::kDraining) {
    if (splitter_->streaming()) {
      if (peer_eof_ && !peer_eof_forwarded_) {
        peer_eof_forwarded_ = true;
        host_.send_peer_closed(*this);  // the session decides (its reply carries the close)
      }
    } else {
      const bool input_over = peer_eof_ || splitter_->done() || state_ == State::kDraining;
      if (input_over && window_.empty() && !splitter_->holding()) state_ = State::kClosing;
    }
  }
  if (state_ != State::kClosing || unsent() > 0) return;
  ::shutdown(socket_.get(), SHUT_WR);
  if (peer_eof_ || stopping_) {
    close_now();
    return;
  }
  state_ = State::kLingering;
  linger_until_ = host_.now().steady + kLingerTime;
  lingered_bytes_ = 0;
  host_.schedule(*this, linger_until_);
}

void ClientConnection::read_for_linger() {
  const ssize_t n = ::recv(socket_.get(), t_read_buffer.data(), t_read_buffer.size(), 0);
  if (n > 0) {
    lingered_bytes_ += static_cast<std::size_t>(n);
    if (lingered_bytes_ > kLingerMaxBytes) close_now();
    return;
  }
  if (n < 0 && would_block(errno)) return;
  close_now();
}

}  // namespace archbench::reactor
