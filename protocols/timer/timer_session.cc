#include "protocols/timer/timer_session.h"

#include <chrono>
#include <variant>

#include "protocols/timer/timer_command.h"

namespace archbench::timer {
namespace {

// Lines are split at "\n"; the framer's limit allows the longest valid line plus "\r\n".
constexpr std::size_t kMaxRawLine = kMaxLineLength + 2;

// TimerSet tags: which reply a firing produces.
constexpr std::uint64_t kAfterTag = 0;
constexpr std::uint64_t kTickTag = 1;

void append_error(std::string_view reason, std::string& out) {
  out += "ERR ";
  out += reason;
  out += "\r\n";
}

}  // namespace

TimerSession::TimerSession() : lines_("\n", kMaxRawLine) {}

void TimerSession::on_bytes(std::string_view data, const Now& now, SessionOutput& out) {
  if (closed_) return;
  fire_due(now.steady, out.bytes);
  lines_.append(data);
  for (;;) {
    const framing::EofFramer::Result result = lines_.next();
    if (result.status == framing::EofFramer::Status::kNeedMore) break;
    std::string_view line = result.message;
    if (result.status == framing::EofFramer::Status::kMessage) {
      line.remove_suffix(1);  // "\n"
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    }
    if (result.status == framing::EofFramer::Status::kTooLong || line.size() > kMaxLineLength) {
      append_error("line too long", out.bytes);
      out.log = "timer: a line over " + std::to_string(kMaxLineLength) +
                " bytes; closing connection";
      close(out);
      return;
    }
    handle_line(line, now.steady, out.bytes);
  }
  fire_due(now.steady, out.bytes);
}

void TimerSession::on_peer_closed(const Now& now, SessionOutput& out) { close(out); }

std::optional<TimePoint> TimerSession::next_deadline() const {
  return timers_.next_deadline();
}

void TimerSession::on_deadline(const Now& now, SessionOutput& out) {
  if (closed_) return;
  fire_due(now.steady, out.bytes);
}

void TimerSession::handle_line(std::string_view line, TimePoint now, std::string& out) {
  const TimerCommand command = parse_timer_command(line);
  if (const auto* error = std::get_if<CommandError>(&command)) {
    append_error(error->reason, out);
    return;
  }
  if (const auto* cancel = std::get_if<CancelCommand>(&command)) {
    const auto it = by_name_.find(std::string(cancel->id));
    if (it == by_name_.end()) {
      append_error("unknown id " + std::string(cancel->id), out);
      return;
    }
    timers_.cancel(it->second);
    names_.erase(it->second);
    by_name_.erase(it);
    return;
  }
  const std::string_view id = std::holds_alternative<AfterCommand>(command)
                                  ? std::get<AfterCommand>(command).id
                                  : std::get<TickCommand>(command).id;
  std::string name(id);
  if (by_name_.count(name) != 0) {
    append_error("duplicate id " + name, out);
    return;
  }
  if (timers_.size() >= kMaxTimersPerConnection) {
    append_error("too many timers (limit " + std::to_string(kMaxTimersPerConnection) + ")", out);
    return;
  }
  TimerId timer = kNoTimer;
  if (const auto* after = std::get_if<AfterCommand>(&command)) {
    timer = timers_.after(now, std::chrono::milliseconds(after->ms), kAfterTag);
  } else {
    const auto& tick = std::get<TickCommand>(command);
    timer = timers_.tick(now, std::chrono::milliseconds(tick.ms), tick.count, kTickTag);
  }
  by_name_.emplace(name, timer);
  names_.emplace(timer, std::move(name));
}

void TimerSession::fire_due(TimePoint now, std::string& out) {
  fired_.clear();
  timers_.pop_due(now, fired_);
  for (const Fired& fired : fired_) {
    const auto it = names_.find(fired.id);
    if (fired.tag == kAfterTag) {
      out += "FIRED ";
      out += it->second;
    } else {
      out += "TICK ";
      out += it->second;
      out += ' ';
      out += std::to_string(fired.ordinal);
    }
    out += "\r\n";
    if (fired.last) {
      by_name_.erase(it->second);
      names_.erase(it);
    }
  }
}

void TimerSession::close(SessionOutput& out) {
  closed_ = true;
  out.close = true;
  timers_.clear();
  by_name_.clear();
  names_.clear();
}

std::unique_ptr<Session> make_timer_session(const ProtocolConfig& config) {
  return std::make_unique<TimerSession>();
}

}  // namespace archbench::timer
