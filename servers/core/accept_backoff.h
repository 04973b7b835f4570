// AcceptBackoff: what an accepting loop does while it is out of descriptors.
//
// When accept() fails with EMFILE/ENFILE (or ENOBUFS/ENOMEM), the connection stays in the kernel's
// queue and the listen socket stays ready, so a loop that simply tries again spins at 100% CPU
// and writes a log line per try. AcceptBackoff turns that into an *episode*:
//
//   first failure    one log line: who, why, what the server does meanwhile ("clients wait in the
//                    backlog", "new clients are refused"); the episode starts
//   each failure     the delay before the next try: 10 ms, 20, 40, ... up to 250 ms, so an
//                    episode costs a few wake-ups a second, and a descriptor that frees up is
//                    used within a quarter of a second
//   refusals         (readiness loops with a reserve descriptor) are counted, not logged
//   next accept()    one log line: how long it lasted, how many tries and refusals; delay reset
//
// The delay is bounded on purpose: nothing tells an accepter when a descriptor frees up (another
// thread closes a connection, a child exits, an unrelated process releases ENFILE), so it must
// look again now and then; the bound is the worst-case added wait for a queued client.
//
// Thread-safety: every method may be called from any thread (the threads architecture shares one
// AcceptBackoff between all its accepting threads, so the log says once per episode what all of
// them see). accepted() is one atomic load when no episode runs, so the hot path stays cheap.
// In a multi-process design each process has its own copy and logs its own episodes.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "servers/core/clock.h"

namespace archbench {

struct BackoffPolicy {
  std::chrono::milliseconds first_delay{10};
  std::chrono::milliseconds max_delay{250};
};

class AcceptBackoff {
 public:
  // `who` starts every log line ("prefork child", "event_loop"); `meanwhile` says what happens to
  // new clients during an episode ("they wait in the backlog").
  AcceptBackoff(std::string who, std::string meanwhile, BackoffPolicy policy = {});

  // accept() (or another descriptor a new connection needs) failed with `error` for lack of
  // descriptors or memory. Starts an episode if none runs (one log line; `detail` is added to it,
  // e.g. "12 connections open") and returns how long to wait before trying again.
  std::chrono::milliseconds failed(int error, std::string_view detail = {});

  // A connection was accepted with a reserve descriptor and closed at once (reserve_descriptor.h).
  // Starts an episode like failed() if none runs; otherwise only counts the refusal.
  void refused(int error, std::string_view detail = {});

  // A connection was accepted normally: ends a running episode with one log line.
  void accepted();

  bool in_episode() const { return in_episode_.load(std::memory_order_acquire); }
  // Episodes started so far (for tests and the log).
  std::uint64_t episodes() const;

 private:
  // Starts an episode if none runs. Caller holds mutex_.
  void begin_locked(int error, std::string_view detail);

  const std::string who_;
  const std::string meanwhile_;
  const BackoffPolicy policy_;
  std::atomic<bool> in_episode_{false};
  mutable std::mutex mutex_;
  // Guarded by mutex_:
  std::chrono::milliseconds next_delay_;
  TimePoint started_{};
  std::uint64_t failures_ = 0;
  std::uint64_t refusals_ = 0;
  std::uint64_t episodes_ = 0;
};

// A readiness loop's "leave the listen socket out of the wait set until then": the pause an
// AcceptBackoff asked for. The loop checks paused() when it builds its wait set and waits no
// longer than deadline(). Thread-safety: one thread (the loop's).
class AcceptPause {
 public:
  void pause_for(std::chrono::milliseconds pause) {
    until_ = Clock::now() + pause;
    active_ = true;
  }
  // Ends the pause early (a descriptor was freed: worth trying at once).
  void end() { active_ = false; }
  // Whether accepting is paused now; the pause ends by itself once its time has come.
  bool paused() {
    if (active_ && Clock::now() >= until_) active_ = false;
    return active_;
  }
  // When the pause ends (nullopt when not paused), for timeout_ms_until().
  std::optional<TimePoint> deadline() const {
    return active_ ? std::optional<TimePoint>(until_) : std::nullopt;
  }

 private:
  bool active_ = false;
  TimePoint until_{};
};

// Sleeps for `delay`, or less when a stop is requested meanwhile (it polls the stop pipe, so
// SIGTERM ends the wait at once). Returns false when stopping. For blocking accepters, which
// have nothing else to do while they back off.
bool wait_unless_stopped(std::chrono::milliseconds delay);

}  // namespace archbench
