// Reading the time once per wake-up.
//
// A driver reads `Now` once after each return from poll/select/epoll_wait and passes the same
// value to every session it serves in that round. Why: the steady clock orders deadlines, the wall
// clock only feeds the HTTP Date header; reading both once keeps a round consistent and the
// syscall-free vDSO reads cheap.
//
// Thread-safety: read_now() is safe from any thread.
#pragma once

#include <chrono>
#include <optional>

#include "protocols/session.h"

namespace archbench {

inline Now read_now() { return Now{Clock::now(), std::chrono::system_clock::now()}; }

// Milliseconds from `now` until `deadline`, rounded UP so a loop never wakes a hair early and
// spins; 0 when it is already due; -1 (wait forever) without a deadline; capped at `cap_ms`
// (a loop may want to wake now and then, e.g. to retry a paused accept).
inline int timeout_ms_until(std::optional<TimePoint> deadline, TimePoint now, int cap_ms = -1) {
  if (!deadline) return cap_ms;
  if (*deadline <= now) return 0;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(*deadline - now).count();
  if (cap_ms >= 0 && ms > cap_ms) return cap_ms;
  if (ms > 24 * 3600 * 1000) ms = 24 * 3600 * 1000;
  return static_cast<int>(ms);
}

// The earlier of two optional deadlines.
inline std::optional<TimePoint> earliest(std::optional<TimePoint> a, std::optional<TimePoint> b) {
  if (!a) return b;
  if (!b) return a;
  return *a < *b ? a : b;
}

}  // namespace archbench
