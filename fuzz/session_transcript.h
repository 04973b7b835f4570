// Drives a Session the way a server would and records everything it asked of the driver, so
// two runs over the same bytes (whole and split) can be compared byte for byte.
//
// The driver is deliberately strict about the Session contract (protocols/session.h):
//   - once a call sets out.close, nothing more is fed (the connection is closing);
//   - after on_deadline(now), next_deadline() must be later than now or nullopt: a deadline
//     that stays due would make every event loop spin, so that is checked, not tolerated.
// Time stands still while the pieces are fed (all at kFuzzNow); afterwards deadlines are driven
// by jumping the clock to each one, a bounded number of times.
//
// Thread-safety: plain functions over the caller's session.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/session.h"

namespace archbench::fuzz {

// A fixed moment, so Date headers and deadlines are the same in every run.
Now fuzz_now();

struct Transcript {
  std::string bytes;                    // all out.bytes, concatenated
  std::vector<std::string> broadcasts;  // all out.broadcasts, in order
  bool closed = false;                  // some call set out.close
  bool closed_by_peer = false;          // ... and it was on_peer_closed
  std::size_t calls = 0;
};

struct DriveOptions {
  // Call on_peer_closed after the last piece (then drive deadlines again).
  bool peer_close_at_end = false;
  // Bound on on_deadline calls after the input; each must make progress.
  std::size_t max_deadline_calls = 64;
};

Transcript drive(Session& session, const std::vector<std::string_view>& pieces,
                 const DriveOptions& options);

// A readable account of the first difference between two transcripts ("" when equal).
std::string first_difference(const Transcript& a, const Transcript& b);

}  // namespace archbench::fuzz
