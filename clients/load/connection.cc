#include "clients/load/connection.h"

#include "protocols/framing/printable_bytes.h"

namespace archbench::load {
namespace {

constexpr std::size_t kReadBufferSize = 64 * 1024;
// Broadcast mode: how many messages per --pipeline slot a sender may have out that some member
// has not received yet. With 16 members and 64 KiB messages that bounds a member's backlog in
// the server to 15 x 4 x 64 KiB = 3.75 MiB, well under what servers tolerate.
constexpr std::uint64_t kUndeliveredPerSlot = 4;

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

bool Connection::run_closed_for_next(TimePoint now) {
  if (broadcast() && !may_rejoin(now)) return true;
  // Closed loop asks about now; open loop about the next intended start, which may still lie
  // inside the measurement even when now is past it (a backlog after a stall). Requests owed
  // a resend keep the connection going either way.
  return resend_.empty() && context_.plan.closed(schedule_.next(now));
}

void Connection::pump() {
  if (state_ != State::kReady) return;
  const TimePoint now = Clock::now();
  if (broadcast()) {
    if (!barrier_passed(now)) return;
    if (sending_ended_) {
      end_sending();  // draining: finishes once the group says nothing more is owed
      return;
    }
    window_full_ = false;
  }
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
    // Broadcast flow control: wait while the slowest member lags (broadcast_group.h).
    window_full_ =
        broadcast() && context_.group->undelivered(index_) >= kUndeliveredPerSlot * depth_;
    if (window_full_) break;
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
    if (broadcast()) {
      in_flight_.back().sequence = ++sequence_;
      context_.group->note_sent(index_, sequence_, measured);
    }
    if (!keepalive_) break;  // one request per connection
  }
  flush();
  if (exhausted && in_flight_.empty()) broadcast() ? end_sending() : finish();
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
    if (error == asio::error::eof && state_ == State::kReady && in_flight_.empty() &&
        !broadcast()) {
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
    // Bytes nobody asked for. In broadcast mode other members' messages come whether or not a
    // request is in flight, and a WebSocket server may ping at any time, so there a stray reply
    // is only known once it is complete; the other protocols owe nothing unasked.
    const bool unasked = state_ == State::kReady && in_flight_.empty() && !broadcast();
    const std::string shown = unasked ? "\"" + framing::printable_bytes(data, 32) + "\"" : "";
    if (unasked && context_.options.protocol != Protocol::kWebSocket) {
      reject_reply("no bytes (no request outstanding)", shown, now);
      return;
    }
    ReplyVerdict verdict;
    const ParseStep step = client_->consume(data, verdict);
    data.remove_prefix(step.used);
    if (unasked && step.event == ParseStep::Event::kReply) {
      reject_reply("no message (no request outstanding)", shown, now);
      return;
    }
    if (step.event == ParseStep::Event::kNeedMore) break;
    if (step.event == ParseStep::Event::kPing) {
      context_.stats.add_pong();
      client_->take_output(out_);
      continue;
    }
    if (step.event == ParseStep::Event::kHandshake) {
      if (!on_handshake(verdict, now)) return;
      continue;
    }
    if (!(broadcast() ? on_broadcast_message(verdict, now) : on_reply(verdict, now))) return;
  }
  if (generation != socket_generation_) return;
  pump();  // one write for every reply this read completed
  if (generation != socket_generation_) return;
  flush();  // pongs, which go out even while no request may be sent
  if (state_ == State::kReady || state_ == State::kHandshaking) start_reading();
}

bool Connection::on_handshake(const ReplyVerdict& verdict, TimePoint now) {
  if (verdict.kind == ReplyVerdict::Kind::kUnsupported) {
    // Not a failure of the server: it does not do this, by design. Trying again is pointless.
    context_.stats.add_refusal(verdict.got);
    finish();
    return false;
  }
  if (verdict.kind != ReplyVerdict::Kind::kOk) {
    reject_reply("handshake: " + verdict.expected, verdict.got, now);
    return false;
  }
  if (broadcast()) {
    if (!context_.group->join(index_, now)) {
      // The barrier released without it: as a late joiner it could not know what it is owed.
      ++context_.stats.errors().timeout;
      finish();
      return false;
    }
    joined_ = true;
  }
  state_ = State::kReady;
  return true;
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

// --- broadcast mode -------------------------------------------------------------------------

bool Connection::barrier_passed(TimePoint now) {
  if (sending_started_) return true;
  if (!context_.group->released(now)) return false;
  sending_started_ = true;
  if (schedule_.open_loop()) {
    // The open-loop schedule counts from the release, the same moment for every member, so
    // the barrier's wait is not charged to the first messages as lateness.
    schedule_ = Schedule(context_.options.rate, context_.options.connections,
                         static_cast<int>(index_), context_.group->released_at());
  }
  return true;
}

bool Connection::may_rejoin(TimePoint now) {
  return !joined_ && !context_.group->released(now);
}

void Connection::end_sending() {
  if (!sending_ended_) leave_group(/*departed=*/false);
  if (context_.group->drained(index_, drained_senders_)) finish();
}

bool Connection::on_broadcast_message(const ReplyVerdict& verdict, TimePoint now) {
  if (verdict.kind == ReplyVerdict::Kind::kWrong && !verdict.stream_intact) {
    reject_reply(verdict.expected, verdict.got, now);  // framing is lost: the member departs
    return false;
  }
  bool counted = false;  // one wrong reply per message at most
  if (verdict.kind == ReplyVerdict::Kind::kWrong) {
    note_wrong_reply(verdict.expected, verdict.got, now);
    counted = true;
  }
  if (!verdict.tag) return true;
  const BroadcastTag& tag = *verdict.tag;
  const BroadcastGroup::Receipt receipt = context_.group->receive(index_, tag);
  if (receipt.kind != BroadcastGroup::Receipt::Kind::kInOrder && !counted) {
    const bool repeated = receipt.kind == BroadcastGroup::Receipt::Kind::kRepeated;
    note_wrong_reply("message " + std::to_string(receipt.expected) + " of connection " +
                         std::to_string(tag.sender) + " (each message once, in order)",
                     "message " + std::to_string(tag.sequence) +
                         (repeated ? " (again, or out of order)"
                                   : " (" + std::to_string(tag.sequence - receipt.expected) +
                                         " skipped)"),
                     now);
  }
  if (tag.sender != index_ || receipt.kind == BroadcastGroup::Receipt::Kind::kRepeated) {
    return true;  // another member's message: the group has counted it
  }
  // The own copy: the server has handed this message to the group, so every member is owed it.
  context_.group->confirm(index_, tag.sequence);
  while (!in_flight_.empty() && in_flight_.front().sequence < tag.sequence) {
    // Skipped (the skip is the wrong reply above): it will not come back.
    const InFlight& lost = in_flight_.front();
    context_.stats.record_failure(index_, lost.intended, lost.actual, Outcome::kWrong,
                                  lost.measured);
    in_flight_.pop_front();
  }
  if (in_flight_.empty() || in_flight_.front().sequence != tag.sequence) return true;
  const InFlight request = in_flight_.front();
  in_flight_.pop_front();
  if (verdict.kind == ReplyVerdict::Kind::kOk) {
    consecutive_failures_ = 0;
    context_.stats.record_reply(index_, request.intended, request.actual, now, server_delay_,
                                Outcome::kOk, request.measured);
  } else {
    context_.stats.record_failure(index_, request.intended, request.actual, Outcome::kWrong,
                                  request.measured);
  }
  return true;
}

}  // namespace archbench::load
