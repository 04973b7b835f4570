#include "servers/core/accept_backoff.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "servers/core/server_log.h"
#include "servers/core/stop_signal.h"

namespace archbench {
namespace {

// "1.25 s" or "80 ms": an episode may last milliseconds (a burst) or minutes (a leak).
std::string describe_duration(Clock::duration length) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(length).count();
  if (ms < 1000) return std::to_string(ms) + " ms";
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f s", static_cast<double>(ms) / 1000.0);
  return text;
}

}  // namespace

AcceptBackoff::AcceptBackoff(std::string who, std::string meanwhile, BackoffPolicy policy)
    : who_(std::move(who)),
      meanwhile_(std::move(meanwhile)),
      policy_(policy),
      next_delay_(policy.first_delay) {}

void AcceptBackoff::begin_locked(int error, std::string_view detail) {
  if (in_episode_.load(std::memory_order_relaxed)) return;
  in_episode_.store(true, std::memory_order_release);
  ++episodes_;
  started_ = Clock::now();
  failures_ = 0;
  refusals_ = 0;
  next_delay_ = policy_.first_delay;
  std::string line = who_ + ": out of descriptors (" + std::strerror(error);
  if (!detail.empty()) line += "; " + std::string(detail);
  line += "): " + meanwhile_ + "; retrying every " + std::to_string(policy_.first_delay.count()) +
          ".." + std::to_string(policy_.max_delay.count()) + " ms until a descriptor frees up";
  log_line(line);
}

std::chrono::milliseconds AcceptBackoff::failed(int error, std::string_view detail) {
  std::lock_guard<std::mutex> lock(mutex_);
  begin_locked(error, detail);
  ++failures_;
  const std::chrono::milliseconds delay = next_delay_;
  next_delay_ = std::min(policy_.max_delay, next_delay_ * 2);
  return delay;
}

void AcceptBackoff::refused(int error, std::string_view detail) {
  std::lock_guard<std::mutex> lock(mutex_);
  begin_locked(error, detail);
  ++refusals_;
}

void AcceptBackoff::accepted() {
  if (!in_episode_.load(std::memory_order_acquire)) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (!in_episode_.load(std::memory_order_relaxed)) return;  // another thread ended it
  in_episode_.store(false, std::memory_order_release);
  next_delay_ = policy_.first_delay;
  log_line(who_ + ": accepting again after " + describe_duration(Clock::now() - started_) +
           " without descriptors (" + std::to_string(failures_) + " failed tries, " +
           std::to_string(refusals_) + " clients refused)");
}

std::uint64_t AcceptBackoff::episodes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return episodes_;
}

bool wait_unless_stopped(std::chrono::milliseconds delay) {
  const TimePoint until = Clock::now() + delay;
  while (!stop_requested()) {
    const int timeout = timeout_ms_until(until, Clock::now());
    if (timeout == 0) return true;
    pollfd fds[1] = {{stop_fd(), POLLIN, 0}};
    if (::poll(fds, 1, timeout) < 0 && errno != EINTR) {
      // Cannot watch the pipe (should not happen): still wait, or the caller would spin.
      std::this_thread::sleep_until(until);
      return !stop_requested();
    }
  }
  return false;
}

}  // namespace archbench
