// Connection, continued: wrong replies, failures, timeouts, the end of a connection and the
// wake-up timer (the accounting rules are in connection.h).
#include "clients/load/connection.h"

#include <algorithm>

namespace archbench::load {
namespace {

constexpr auto kFirstBackoff = std::chrono::milliseconds(10);
constexpr auto kMaxBackoff = std::chrono::milliseconds(500);

}  // namespace

// --- failures, timeouts and the end ---------------------------------------------------------

void Connection::note_wrong_reply(std::string expected, std::string got, TimePoint now) {
  ++context_.stats.errors().wrong_reply;
  context_.stats.add_wrong_reply(now, index_, std::move(expected), std::move(got));
}

void Connection::reject_reply(std::string expected, std::string got, TimePoint now) {
  note_wrong_reply(std::move(expected), std::move(got), now);
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
      } else if (broadcast() && (!sending_started_ || window_full_ || sending_ended_)) {
        // What it waits for may have happened on another thread: the barrier's release, a
        // lagging member catching up, the end of the drain.
        pump();
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
  // A broadcast member only gets here by failing, and never comes back (connection.h).
  if (joined_) leave_group(/*departed=*/true);
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

void Connection::leave_group(bool departed) {
  if (!broadcast()) return;
  sending_ended_ = true;
  if (joined_) {
    context_.group->finish_sending(index_, departed);
  } else {
    context_.group->give_up(index_, Clock::now());
  }
}

void Connection::finish() {
  if (state_ == State::kFinished) return;
  drop_in_flight(Outcome::kReadError);  // empty unless aborted
  close_socket();
  leave_group(/*departed=*/false);  // no-op when it already left (or never was a member)
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
