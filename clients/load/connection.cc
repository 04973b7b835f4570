#include "clients/load/connection.h"

#include <algorithm>

#include "protocols/framing/printable_bytes.h"

namespace archbench::load {
namespace {

constexpr std::size_t kReadBufferSize = 64 * 1024;
constexpr auto kFirstBackoff = std::chrono::milliseconds(10);
constexpr auto kMaxBackoff = std::chrono::milliseconds(500);

}  // namespace

Connection::Connection(WorkerContext& context, std::uint32_t index, TimePoint start_at)
    : context_(context),
      index_(index),
      start_at_(start_at),
      timeout_(std::chrono::milliseconds(context.options.timeout_ms)),
      server_delay_(std::chrono::milliseconds(
          context.options.protocol == Protocol::kTimer ? context.options.timer_ms : 0)),
      depth_(static_cast<std::size_t>(context.options.pipeline)),
      keepalive_(context.options.keepalive),
      socket_(context.io),
      wake_timer_(context.io),
      client_(make_protocol_client(context.options, index)),
      read_buffer_(kReadBufferSize) {
  if (context.options.open_loop()) {
    schedule_ = Schedule(context.options.rate, context.options.connections,
                         static_cast<int>(index), start_at);
  }
}

void Connection::start() {
  state_ = State::kWaiting;
  Clock::now() >= start_at_ ? connect_when_due() : arm_wake(start_at_);
}

// --- connecting ---------------------------------------------------------------------------

void Connection::begin_connect() {
  state_ = State::kConnecting;
  connect_started_ = Clock::now();
  socket_.async_connect(context_.endpoint,
                        [this, generation = socket_generation_](const std::error_code& error) {
                          if (generation == socket_generation_) on_connected(error);
                        });
}

void Connection::on_connected(const std::error_code& error) {
  if (error) {
    fail(context_.stats.errors().connect, 1, Outcome::kReadError);
    return;
  }
  std::error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  // flush() writes directly first; in non-blocking mode a full buffer says so instead of
  // blocking the thread. (Asio's asynchronous operations work the same in either mode.)
  socket_.non_blocking(true, ignored);
  start_reading();
  if (client_->start(out_)) {
    state_ = State::kHandshaking;
    flush();
  } else {
    state_ = State::kReady;
    pump();
  }
}

// --- sending ------------------------------------------------------------------------------

bool Connection::run_closed_for_next(TimePoint now) const {
  // Closed loop asks about now; open loop about the next intended start, which may still lie
  // inside the measurement even when now is past it (a backlog after a stall). Requests owed
  // a resend keep the connection going either way.
  return resend_.empty() && context_.plan.closed(schedule_.next(now));
}

void Connection::pump() {
  if (state_ != State::kReady) return;
  const TimePoint now = Clock::now();
  for (; !resend_.empty() && in_flight_.size() < depth_; resend_.pop_front()) {
    client_->append_request(out_);
    in_flight_.push_back({resend_.front().intended, now, resend_.front().measured});
  }
  bool exhausted = false;
  while (in_flight_.size() < depth_) {
    TimePoint intended = schedule_.next(now);
    if (context_.plan.closed(intended)) {
      exhausted = true;
      break;
    }
    if (schedule_.open_loop() && intended > now) {
      arm_wake(intended);
      break;
    }
    // --no-keepalive closed loop: the request started when its connection did.
    if (!keepalive_ && !schedule_.open_loop()) intended = connect_started_;
    const RunPlan::Admission admission = context_.plan.admit(intended);
    if (admission == RunPlan::Admission::kClosed) {
      exhausted = true;
      break;
    }
    schedule_.advance();
    const bool measured = admission == RunPlan::Admission::kMeasured;
    if (schedule_.open_loop() && now - intended >= timeout_) {
      ++context_.stats.errors().timeout;
      context_.stats.record_failure(index_, intended, now, Outcome::kTimeout, measured);
      continue;
    }
    client_->append_request(out_);
    in_flight_.push_back({intended, keepalive_ ? now : connect_started_, measured});
    if (!keepalive_) break;  // one request per connection
  }
  flush();
  if (exhausted && in_flight_.empty()) finish();
}

void Connection::connect_when_due() {
  // A kept-alive connection connects at once; --no-keepalive waits for its next request.
  keepalive_ ? begin_connect() : pump_disconnected();
}

void Connection::pump_disconnected() {
  const TimePoint now = Clock::now();
  if (run_closed_for_next(now)) {
    finish();
    return;
  }
  const TimePoint intended = schedule_.next(now);
  if (intended > now) {
    arm_wake(intended);
  } else {
    begin_connect();
  }
}

void Connection::flush() {
  if (write_active_ || out_.empty()) return;
  // Fast path: a request usually fits the socket's send buffer, so write it now and skip the
  // completion handler's trip through the scheduler. Anything left (or any error) goes the
  // asynchronous way, which also reports errors on the one path that handles them.
  std::error_code error;
  const std::size_t written = socket_.write_some(asio::buffer(out_), error);
  if (!error && written == out_.size()) {
    out_.clear();
    return;
  }
  if (!error) out_.erase(0, written);
  writing_.swap(out_);
  out_.clear();
  write_active_ = true;
  asio::async_write(socket_, asio::buffer(writing_),
                    [this, generation = socket_generation_](const std::error_code& error,
                                                            std::size_t) {
                      if (generation != socket_generation_) return;
                      write_active_ = false;
                      if (error) {
                        fail(context_.stats.errors().write, 1, Outcome::kWriteError);
                        return;
                      }
                      writing_.clear();
                      flush();
                    });
}

// --- receiving ----------------------------------------------------------------------------

void Connection::start_reading() {
  socket_.async_read_some(
      asio::buffer(read_buffer_),
      [this, generation = socket_generation_](const std::error_code& error, std::size_t n) {
        if (generation == socket_generation_) on_read(error, n);
      });
}

void Connection::on_read(const std::error_code& error, std::size_t n) {
  const TimePoint now = Clock::now();
  if (error) {
    if (error == asio::error::eof && state_ == State::kReady && !in_flight_.empty()) {
      // The close may be what ends a reply (an HTTP body without Content-Length).
      ReplyVerdict verdict;
      if (client_->on_peer_closed(verdict).event == ParseStep::Event::kReply) {
        verdict.peer_closes = true;
        on_reply(verdict, now);  // settles the reply and replaces the connection
        return;
      }
    }
    if (error == asio::error::eof && state_ == State::kReady && in_flight_.empty()) {
      // The server closed an idle connection (its keep-alive timeout, say): not an error.
      close_socket();
      reconnect_or_finish(/*after_failure=*/false);
    } else {
      fail(context_.stats.errors().read, 1, Outcome::kReadError);
    }
    return;
  }
  context_.stats.add_bytes_read(now, n);
  std::string_view data(read_buffer_.data(), n);
  const std::uint64_t generation = socket_generation_;
  while (!data.empty()) {
    if (state_ == State::kReady && in_flight_.empty()) {
      reject_reply("no bytes (no request outstanding)",
                   "\"" + framing::printable_bytes(data, 32) + "\"", now);
      return;
    }
    ReplyVerdict verdict;
    const ParseStep step = client_->consume(data, verdict);
    data.remove_prefix(step.used);
    if (step.event == ParseStep::Event::kNeedMore) break;
    if (step.event == ParseStep::Event::kHandshake) {
      if (verdict.kind != ReplyVerdict::Kind::kOk) {
        reject_reply("handshake: " + verdict.expected, verdict.got, now);
        return;
      }
      state_ = State::kReady;
      continue;
    }
    if (!on_reply(verdict, now)) return;
  }
  if (generation != socket_generation_) return;
  pump();  // one write for every reply this read completed
  if (state_ == State::kReady || state_ == State::kHandshaking) start_reading();
}

bool Connection::on_reply(const ReplyVerdict& verdict, TimePoint now) {
  if (verdict.kind == ReplyVerdict::Kind::kWrong) {
    reject_reply(verdict.expected, verdict.got, now);
    return false;
  }
  const InFlight request = in_flight_.front();
  in_flight_.pop_front();
  consecutive_failures_ = 0;
  Outcome outcome = Outcome::kOk;
  if (verdict.kind == ReplyVerdict::Kind::kHttpStatus) {
    ++context_.stats.errors().http_non_2xx;
    outcome = Outcome::kHttpStatus;
  }
  context_.stats.record_reply(index_, request.intended, request.actual, now, server_delay_,
                              outcome, request.measured);
  if (verdict.peer_closes || !keepalive_) {
    // The connection ends with this reply, as the server announced (nginx does so after
    // keepalive_requests). Requests pipelined behind it were never processed: like a browser,
    // send them again on the next connection, keeping their intended starts.
    resend_.assign(in_flight_.begin(), in_flight_.end());
    in_flight_.clear();
    close_socket();
    reconnect_or_finish(/*after_failure=*/false);
    return false;
  }
  return true;
}

// --- failures, timeouts and the end ---------------------------------------------------------

void Connection::reject_reply(std::string expected, std::string got, TimePoint now) {
  ++context_.stats.errors().wrong_reply;
  context_.stats.add_wrong_reply(now, index_, std::move(expected), std::move(got));
  if (!in_flight_.empty()) {
    const InFlight& request = in_flight_.front();
    context_.stats.record_failure(index_, request.intended, request.actual, Outcome::kWrong,
                                  request.measured);
    in_flight_.pop_front();
  }
  drop_in_flight(Outcome::kWrong);
  close_socket();
  reconnect_or_finish(/*after_failure=*/true);
}

void Connection::fail(std::uint64_t& error_counter, std::uint64_t count, Outcome outcome) {
  error_counter += count;
  drop_in_flight(outcome);
  close_socket();
  reconnect_or_finish(/*after_failure=*/true);
}

void Connection::sweep(TimePoint now) {
  ErrorCounts& errors = context_.stats.errors();
  switch (state_) {
    case State::kConnecting:
      if (now - connect_started_ >= timeout_) fail(errors.connect, 1, Outcome::kReadError);
      break;
    case State::kHandshaking:
      if (now - connect_started_ >= timeout_) fail(errors.timeout, 1, Outcome::kTimeout);
      break;
    case State::kReady:
        if (!in_flight_.empty() && now - in_flight_.front().intended >= timeout_ + server_delay_) {
        // Each request once, also those waiting to be sent again.
        fail(errors.timeout, in_flight_.size() + resend_.size(), Outcome::kTimeout);
      }
      break;
    case State::kWaiting:
      // Waiting out a backoff or a late ramp-up start after the run has closed: done now.
      if (run_closed_for_next(now)) finish();
      break;
    case State::kFinished:
      break;
  }
}

void Connection::drop_in_flight(Outcome outcome) {
  // Requests waiting to be sent again share the fate of those on the wire.
  in_flight_.insert(in_flight_.end(), resend_.begin(), resend_.end());
  resend_.clear();
  for (const InFlight& request : in_flight_) {
    context_.stats.record_failure(index_, request.intended, request.actual, outcome,
                                  request.measured);
  }
  in_flight_.clear();
}

void Connection::close_socket() {
  ++socket_generation_;
  std::error_code ignored;
  socket_.close(ignored);
  write_active_ = false;
  out_.clear();
  client_->reset();
  ++wake_generation_;
  wake_at_ = TimePoint::max();
  wake_timer_.cancel();
}

void Connection::reconnect_or_finish(bool after_failure) {
  const TimePoint now = Clock::now();
  state_ = State::kWaiting;
  if (run_closed_for_next(now)) {
    finish();
    return;
  }
  if (after_failure) {
    ++consecutive_failures_;
    const int doublings = std::min(consecutive_failures_ - 1, 10);
    const auto backoff = std::min<Clock::duration>(kFirstBackoff * (1 << doublings), kMaxBackoff);
    arm_wake(now + backoff);
    return;
  }
  connect_when_due();
}

void Connection::finish() {
  if (state_ == State::kFinished) return;
  drop_in_flight(Outcome::kReadError);  // empty unless aborted
  close_socket();
  state_ = State::kFinished;
  context_.on_connection_finished();
}

void Connection::abort(bool settle) {
  if (!settle) {
    in_flight_.clear();  // cut off by the user, not by the server: not counted
    resend_.clear();
    finish();
    return;
  }
  context_.stats.errors().timeout += in_flight_.size() + resend_.size();
  drop_in_flight(Outcome::kTimeout);
  const TimePoint now = Clock::now();
  while (schedule_.open_loop() && !context_.plan.closed(schedule_.next(now))) {
    const TimePoint intended = schedule_.next(now);
    const RunPlan::Admission admission = context_.plan.admit(intended);
    if (admission == RunPlan::Admission::kClosed) break;
    schedule_.advance();
    ++context_.stats.errors().timeout;
    context_.stats.record_failure(index_, intended, now, Outcome::kTimeout,
                                  admission == RunPlan::Admission::kMeasured);
  }
  finish();
}

// --- the wake-up timer ----------------------------------------------------------------------

void Connection::arm_wake(TimePoint at) {
  if (at == wake_at_) return;
  wake_at_ = at;
  const std::uint64_t generation = ++wake_generation_;
  wake_timer_.expires_at(at);
  wake_timer_.async_wait([this, generation](const std::error_code& error) {
    if (error || generation != wake_generation_) return;
    wake_at_ = TimePoint::max();
    on_wake();
  });
}

void Connection::on_wake() {
  switch (state_) {
    case State::kWaiting:
      run_closed_for_next(Clock::now()) ? finish() : connect_when_due();
      break;
    case State::kReady:
      pump();
      break;
    default:
      break;
  }
}

}  // namespace archbench::load
