// Fuzz target: --protocol timer (protocols/timer/timer_session.h) under a fake clock, call by
// call against the reference model in timer_model.h.
//
// Input layout (its own, because each piece also moves the clock):
//   byte 0      options: bit 0 clock steps are in units of 16 ms (else 1 ms); bit 1 the driver
//               is prompt (calls on_deadline before feeding whenever a deadline has passed; a
//               lazy driver leaves catching up to on_bytes); bit 2 the peer closes at the end
//   byte 1      n (bits 0-3): the number of (length, step) byte pairs that follow
//   2n bytes    piece lengths (b + 1) and clock steps (b units) before each piece, cycled
//   rest        the bytes the client sends: command lines
// With n = 0 the payload goes one byte at a time with the clock still.
//
// After the input the clock jumps from deadline to deadline a bounded number of times. The
// simulated time is capped (kMaxSimulatedMs) so a TICK 1 1000000 cannot make one run print a
// million lines.
//
// Oracles, after every call: the bytes written, the close, next_deadline() and active_timers()
// equal the model's; the model also checks parse_timer_command against the documented grammar.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/check.h"
#include "fuzz/session_transcript.h"
#include "fuzz/timer_model.h"
#include "protocols/session.h"
#include "protocols/timer/timer_session.h"

namespace archbench::fuzz {
namespace {

constexpr std::int64_t kMaxSimulatedMs = 3000;
constexpr std::size_t kMaxDeadlineCalls = 64;

struct Step {
  std::size_t length = 1;
  std::int64_t advance_ms = 0;
};

std::string when(TimePoint t) {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

std::string deadline_text(const std::optional<TimePoint>& t) { return t ? when(*t) : "none"; }

class Comparison {
 public:
  Comparison() : session_(make_session(Protocol::kTimer, ProtocolConfig{}, fuzz_now().steady)) {}

  void bytes(std::string_view data, Now now) {
    session_->on_bytes(data, now, out_);
    bool close = false;
    const std::string expected = model_.on_bytes(data, now.steady, close);
    compare("on_bytes(" + shown(data, 60) + ") at " + when(now.steady), expected, close);
  }
  void deadline(Now now) {
    session_->on_deadline(now, out_);
    compare("on_deadline at " + when(now.steady), model_.on_deadline(now.steady), false);
  }
  void peer_closed(Now now) {
    session_->on_peer_closed(now, out_);
    model_.on_peer_closed();
    compare("on_peer_closed", "", true);
  }
  bool closed() const { return closed_; }
  std::optional<TimePoint> next_deadline() const { return model_.next_deadline(); }

 private:
  void compare(const std::string& call, const std::string& expected, bool expect_close) {
    FUZZ_CHECK(out_.bytes == expected, call + " wrote " + shown(out_.bytes, 300) +
                                           ", the model says " + shown(expected, 300));
    FUZZ_CHECK(out_.close == expect_close, call + ": close is " + std::to_string(out_.close));
    FUZZ_CHECK(session_->next_deadline() == model_.next_deadline(),
               call + ": next_deadline " + deadline_text(session_->next_deadline()) +
                   ", the model says " + deadline_text(model_.next_deadline()));
    const auto& timer_session = static_cast<const timer::TimerSession&>(*session_);
    FUZZ_CHECK(timer_session.active_timers() == model_.active_timers(),
               call + ": " + std::to_string(timer_session.active_timers()) +
                   " active timers, the model says " + std::to_string(model_.active_timers()));
    closed_ = closed_ || out_.close;
    out_.clear();
  }

  std::unique_ptr<Session> session_;
  TimerModel model_;
  SessionOutput out_;
  bool closed_ = false;
};

}  // namespace
}  // namespace archbench::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace archbench;
  using namespace archbench::fuzz;
  if (size < 2) return 0;
  const std::uint8_t options = data[0];
  const std::size_t n = data[1] & 0x0F;
  if (size < 2 + 2 * n) return 0;
  const std::int64_t unit_ms = (options & 1) ? 16 : 1;
  const bool prompt_driver = (options & 2) != 0;
  std::vector<Step> steps;
  for (std::size_t i = 0; i < n; ++i) {
    steps.push_back({data[2 + 2 * i] + 1u, data[3 + 2 * i] * unit_ms});
  }
  std::string_view payload(reinterpret_cast<const char*>(data) + 2 + 2 * n, size - 2 - 2 * n);

  Comparison run;
  Now now = fuzz_now();
  const TimePoint end_of_time = now.steady + std::chrono::milliseconds(kMaxSimulatedMs);
  std::size_t k = 0;
  while (!payload.empty() && !run.closed()) {
    const Step step = steps.empty() ? Step{} : steps[k++ % steps.size()];
    now.steady = std::min(end_of_time, now.steady + std::chrono::milliseconds(step.advance_ms));
    const std::optional<TimePoint> due = run.next_deadline();
    if (prompt_driver && due && *due <= now.steady) run.deadline(now);
    const std::size_t take = std::min(step.length, payload.size());
    run.bytes(payload.substr(0, take), now);
    payload.remove_prefix(take);
  }
  for (std::size_t i = 0; i < kMaxDeadlineCalls && !run.closed(); ++i) {
    const std::optional<TimePoint> due = run.next_deadline();
    if (!due || *due > end_of_time) break;
    now.steady = std::max(now.steady, *due);
    run.deadline(now);
  }
  if ((options & 4) && !run.closed()) run.peer_closed(now);
  return 0;
}
