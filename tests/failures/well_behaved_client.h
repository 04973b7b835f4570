// The well-behaved client of the storm and slowloris cases: one connection, a bounded loop of
// correct requests of the server's protocol, every reply checked byte for byte. Its report is
// what the case asserts on ("every reply correct while the attack ran") and what the test
// prints for the per-architecture table (replies checked, how long they took).
//
// Thread-safety: run_well_behaved_client() touches only its own connection and its result, so
// it can run on a thread of its own next to an attack driven by the test's main thread. It
// calls no GoogleTest macro (the main thread asserts on the report).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace archbench::failures {

struct WellBehavedReport {
  int replies_checked = 0;  // replies that arrived and were exactly right
  std::string problem;      // the first wrong or missing reply; empty when all were right
  std::chrono::milliseconds first_reply_after{0};  // from connect to the first correct reply
  std::chrono::milliseconds elapsed{0};            // connect to the last reply
};

// Runs `rounds` request/reply exchanges of `protocol` ("http", "websocket", "length", "eof",
// "echo") on one connection to 127.0.0.1:port. Stops at the first problem or when `deadline`
// passes (that is a problem too: a reply that never came).
WellBehavedReport run_well_behaved_client(const std::string& protocol, std::uint16_t port,
                                          int rounds,
                                          std::chrono::steady_clock::time_point deadline);

}  // namespace archbench::failures
