#include "fuzz/timer_model.h"

#include <variant>
#include <vector>

#include "fuzz/check.h"
#include "protocols/timer/timer_command.h"
#include "protocols/timer/timer_session.h"

namespace archbench::fuzz {
namespace {

// The grammar of timer_command.h, read from its header comment.
struct ModelCommand {
  enum Kind { kInvalid, kAfter, kTick, kCancel } kind = kInvalid;
  std::uint64_t ms = 0, count = 0;
  std::string_view id;
};

std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    if (line[i] == ' ' || line[i] == '\t') {
      ++i;
      continue;
    }
    const std::size_t begin = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    fields.push_back(line.substr(begin, i - begin));
  }
  return fields;
}

std::optional<std::uint64_t> number(std::string_view text, std::uint64_t min, std::uint64_t max) {
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
    if (value > max) return std::nullopt;  // also stops overflow
  }
  if (value < min) return std::nullopt;
  return value;
}

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > timer::kMaxIdLength) return false;
  for (char c : id) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

ModelCommand parse(std::string_view line) {
  ModelCommand command;
  const std::vector<std::string_view> f = fields_of(line);
  if (f.empty()) return command;
  if (f[0] == "AFTER" && f.size() == 3) {
    const auto ms = number(f[1], 0, timer::kMaxDelayMs);
    if (!ms || !valid_id(f[2])) return command;
    return {ModelCommand::kAfter, *ms, 1, f[2]};
  }
  if (f[0] == "TICK" && f.size() == 4) {
    const auto ms = number(f[1], 1, timer::kMaxDelayMs);
    const auto count = number(f[2], 1, timer::kMaxTickCount);
    if (!ms || !count || !valid_id(f[3])) return command;
    return {ModelCommand::kTick, *ms, *count, f[3]};
  }
  if (f[0] == "CANCEL" && f.size() == 2 && valid_id(f[1])) {
    return {ModelCommand::kCancel, 0, 0, f[1]};
  }
  return command;
}

// The model's verdict must match the real parser's; returns the real refusal text for errors.
std::string agree_with_real_parser(std::string_view line, const ModelCommand& model) {
  const timer::TimerCommand real = timer::parse_timer_command(line);
  const std::string where = "parse_timer_command(" + shown(line, 80) + ")";
  switch (model.kind) {
    case ModelCommand::kInvalid: {
      const auto* error = std::get_if<timer::CommandError>(&real);
      FUZZ_CHECK(error != nullptr, where + " accepts what the documented grammar refuses");
      return error->reason;
    }
    case ModelCommand::kAfter: {
      const auto* after = std::get_if<timer::AfterCommand>(&real);
      FUZZ_CHECK(after != nullptr && after->ms == model.ms && after->id == model.id,
                 where + " is not AFTER " + std::to_string(model.ms) + " " + std::string(model.id));
      break;
    }
    case ModelCommand::kTick: {
      const auto* tick = std::get_if<timer::TickCommand>(&real);
      FUZZ_CHECK(tick != nullptr && tick->ms == model.ms && tick->count == model.count &&
                     tick->id == model.id,
                 where + " is not TICK " + std::to_string(model.ms) + " " +
                     std::to_string(model.count) + " " + std::string(model.id));
      break;
    }
    case ModelCommand::kCancel: {
      const auto* cancel = std::get_if<timer::CancelCommand>(&real);
      FUZZ_CHECK(cancel != nullptr && cancel->id == model.id,
                 where + " is not CANCEL " + std::string(model.id));
      break;
    }
  }
  return "";
}

void append_line(std::string& out, std::string_view line) {
  out += line;
  out += "\r\n";
}

}  // namespace

std::string TimerModel::on_bytes(std::string_view data, TimePoint now, bool& close_now) {
  std::string out;
  close_now = false;
  if (closed_) return out;
  fire_due(now, out);
  pending_.append(data);
  constexpr std::size_t kMaxRaw = timer::kMaxLineLength + 2;  // the longest line plus "\r\n"
  std::size_t start = 0;
  while (true) {
    const std::size_t lf = pending_.find('\n', start);
    const bool too_long = lf == std::string::npos ? pending_.size() - start >= kMaxRaw
                                                  : lf + 1 - start > kMaxRaw;
    if (lf == std::string::npos && !too_long) break;
    std::string_view line;
    if (!too_long) {
      line = std::string_view(pending_).substr(start, lf - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    }
    if (too_long || line.size() > timer::kMaxLineLength) {
      append_line(out, "ERR line too long");
      close();
      close_now = true;
      return out;
    }
    handle_line(line, now, out);
    start = lf + 1;
  }
  pending_.erase(0, start);
  fire_due(now, out);
  return out;
}

std::string TimerModel::on_deadline(TimePoint now) {
  std::string out;
  if (!closed_) fire_due(now, out);
  return out;
}

void TimerModel::on_peer_closed() { close(); }

std::optional<TimePoint> TimerModel::next_deadline() const {
  if (entries_.empty()) return std::nullopt;
  return std::get<0>(*entries_.begin());
}

void TimerModel::handle_line(std::string_view line, TimePoint now, std::string& out) {
  const ModelCommand command = parse(line);
  const std::string refusal = agree_with_real_parser(line, command);
  if (command.kind == ModelCommand::kInvalid) {
    append_line(out, "ERR " + refusal);
    return;
  }
  const std::string name(command.id);
  const auto named = by_name_.find(name);
  if (command.kind == ModelCommand::kCancel) {
    if (named == by_name_.end()) {
      append_line(out, "ERR unknown id " + name);
      return;
    }
    const std::uint64_t id = named->second;
    entries_.erase(entry_of_.at(id));
    entry_of_.erase(id);
    timers_.erase(id);
    by_name_.erase(named);
    return;
  }
  if (named != by_name_.end()) {
    append_line(out, "ERR duplicate id " + name);
    return;
  }
  if (timers_.size() >= timer::kMaxTimersPerConnection) {
    append_line(out, "ERR too many timers (limit " +
                         std::to_string(timer::kMaxTimersPerConnection) + ")");
    return;
  }
  Timer t;
  t.tick = command.kind == ModelCommand::kTick;
  t.name = name;
  t.start = now;
  t.interval = std::chrono::milliseconds(command.ms);
  t.count = command.count;
  const std::uint64_t id = next_id_++;
  timers_.emplace(id, t);
  by_name_.emplace(name, id);
  schedule(id, now + t.interval);
}

void TimerModel::schedule(std::uint64_t id, TimePoint deadline) {
  const Entry entry{deadline, next_sequence_++, id};
  entries_.insert(entry);
  entry_of_[id] = entry;
}

void TimerModel::fire_due(TimePoint now, std::string& out) {
  while (!entries_.empty() && std::get<0>(*entries_.begin()) <= now) {
    const Entry entry = *entries_.begin();
    entries_.erase(entries_.begin());
    const std::uint64_t id = std::get<2>(entry);
    entry_of_.erase(id);
    Timer& t = timers_.at(id);
    ++t.fired;
    if (t.tick) {
      append_line(out, "TICK " + t.name + " " + std::to_string(t.fired));
    } else {
      append_line(out, "FIRED " + t.name);
    }
    if (t.fired >= t.count) {
      by_name_.erase(t.name);
      timers_.erase(id);
    } else {
      schedule(id, t.start + t.interval * static_cast<std::int64_t>(t.fired + 1));
    }
  }
}

void TimerModel::close() {
  closed_ = true;
  timers_.clear();
  by_name_.clear();
  entries_.clear();
  entry_of_.clear();
}

}  // namespace archbench::fuzz
