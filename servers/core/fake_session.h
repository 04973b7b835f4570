// FakeSession: a scriptable Session for the driver tests (test-only).
//
// Input is read as lines ending in '\n'; a line that is no command is echoed (with its '\n'):
//   "close\n"      -> reply "closing\n" and set out.close
//   "log\n"        -> out.log = "fake log line"
//   "big N\n"      -> a reply of N bytes ('a'..'z' repeating), to fill sockets
//   "after MS\n"   -> at now + MS, reply "fired\n"
//   "join G\n"     -> join broadcast group G
//   "shout TEXT\n" -> broadcast "TEXT" to the group
// Peer EOF replies "bye\n" and closes, unless keep_open_after_eof (then only deadlines remain).
// Broadcasts arrive as "[TEXT]".
//
// Thread-safety: like any Session, one thread at a time; the counters are read after the driver
// finished (or from the driver's thread).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "protocols/session.h"

namespace archbench::testing {

class FakeSession final : public Session {
 public:
  void on_bytes(std::string_view data, const Now& now, SessionOutput& out) override {
    ++on_bytes_calls;
    received.append(data);
    pending_.append(data);
    std::size_t end;
    // After asking to close, a session takes no more input (Session contract).
    while (!closed_ && (end = pending_.find('\n')) != std::string::npos) {
      std::string line = pending_.substr(0, end);
      pending_.erase(0, end + 1);
      run(line, now, out);
    }
  }

  void on_peer_closed(const Now& now, SessionOutput& out) override {
    ++peer_closed_calls;
    if (keep_open_after_eof) return;
    out.bytes.append("bye\n");
    out.close = true;
  }

  std::optional<TimePoint> next_deadline() const override {
    if (timers_.empty()) return std::nullopt;
    return *std::min_element(timers_.begin(), timers_.end());
  }

  void on_deadline(const Now& now, SessionOutput& out) override {
    ++deadline_calls;
    for (auto it = timers_.begin(); it != timers_.end();) {
      if (*it <= now.steady) {
        out.bytes.append("fired\n");
        it = timers_.erase(it);
      } else {
        ++it;
      }
    }
    if (timers_.empty() && close_after_timers) out.close = true;
  }

  std::string_view broadcast_group() const override { return group_; }

  void on_broadcast(std::string_view encoded, SessionOutput& out) override {
    out.bytes.append("[" + std::string(encoded) + "]");
  }

  bool keep_open_after_eof = false;
  bool close_after_timers = false;
  int on_bytes_calls = 0;
  int peer_closed_calls = 0;
  int deadline_calls = 0;
  std::string received;

 private:
  void run(const std::string& line, const Now& now, SessionOutput& out) {
    if (line == "close") {
      out.bytes.append("closing\n");
      out.close = true;
      closed_ = true;
    } else if (line == "log") {
      out.log = "fake log line";
    } else if (line.rfind("big ", 0) == 0) {
      std::size_t n = std::stoul(line.substr(4));
      for (std::size_t i = 0; i < n; ++i) out.bytes.push_back(static_cast<char>('a' + i % 26));
    } else if (line.rfind("after ", 0) == 0) {
      timers_.push_back(now.steady + std::chrono::milliseconds(std::stol(line.substr(6))));
    } else if (line.rfind("join ", 0) == 0) {
      group_ = line.substr(5);
    } else if (line.rfind("shout ", 0) == 0) {
      out.broadcasts.push_back(line.substr(6));
    } else {
      out.bytes.append(line + "\n");
    }
  }

  bool closed_ = false;
  std::string pending_;
  std::vector<TimePoint> timers_;
  std::string group_;
};

}  // namespace archbench::testing
