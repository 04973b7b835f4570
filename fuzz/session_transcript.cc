#include "fuzz/session_transcript.h"

#include <algorithm>
#include <chrono>

#include "fuzz/check.h"

namespace archbench::fuzz {
namespace {

void record(SessionOutput& out, bool from_peer_close, Transcript& transcript) {
  transcript.bytes += out.bytes;
  for (std::string& b : out.broadcasts) transcript.broadcasts.push_back(std::move(b));
  if (out.close && !transcript.closed) {
    transcript.closed = true;
    transcript.closed_by_peer = from_peer_close;
  }
  ++transcript.calls;
  out.clear();
}

// Jumps the clock to each deadline and calls on_deadline, at most `budget` times.
void drive_deadlines(Session& session, Now& now, std::size_t budget, SessionOutput& out,
                     Transcript& transcript) {
  for (std::size_t i = 0; i < budget && !transcript.closed; ++i) {
    const std::optional<TimePoint> due = session.next_deadline();
    if (!due) return;
    now.steady = std::max(now.steady, *due);
    session.on_deadline(now, out);
    record(out, false, transcript);
    if (transcript.closed) return;
    const std::optional<TimePoint> next = session.next_deadline();
    FUZZ_CHECK(!next || *next > now.steady,
               "next_deadline() is still due right after on_deadline(now): a driver would spin");
  }
}

}  // namespace

Now fuzz_now() {
  Now now;
  now.steady = TimePoint(std::chrono::hours(1));
  now.wall = std::chrono::system_clock::time_point(std::chrono::seconds(1714521600));  // 2024-05-01
  return now;
}

Transcript drive(Session& session, const std::vector<std::string_view>& pieces,
                 const DriveOptions& options) {
  Transcript transcript;
  Now now = fuzz_now();
  SessionOutput out;
  for (std::string_view piece : pieces) {
    if (transcript.closed) break;
    session.on_bytes(piece, now, out);
    record(out, false, transcript);
  }
  drive_deadlines(session, now, options.max_deadline_calls, out, transcript);
  if (options.peer_close_at_end && !transcript.closed) {
    session.on_peer_closed(now, out);
    record(out, true, transcript);
    drive_deadlines(session, now, options.max_deadline_calls, out, transcript);
  }
  return transcript;
}

std::string first_difference(const Transcript& a, const Transcript& b) {
  if (a.bytes != b.bytes) {
    const std::size_t n = std::min(a.bytes.size(), b.bytes.size());
    std::size_t i = 0;
    while (i < n && a.bytes[i] == b.bytes[i]) ++i;
    const std::size_t from = i > 40 ? i - 40 : 0;
    return "output bytes differ at offset " + std::to_string(i) + ": " +
           shown(std::string_view(a.bytes).substr(from, 120)) + " vs " +
           shown(std::string_view(b.bytes).substr(from, 120));
  }
  if (a.broadcasts != b.broadcasts) {
    return "broadcasts differ: " + std::to_string(a.broadcasts.size()) + " vs " +
           std::to_string(b.broadcasts.size()) + " messages";
  }
  if (a.closed != b.closed) {
    return std::string("close differs: ") + (a.closed ? "closed" : "open") + " vs " +
           (b.closed ? "closed" : "open");
  }
  if (a.closed_by_peer != b.closed_by_peer) return "one closed by itself, the other at peer close";
  return "";
}

}  // namespace archbench::fuzz
