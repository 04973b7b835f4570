// The malformed inputs of the storm case, per protocol, each with the exact answer the contract
// requires (DESIGN.md "Protocols", CONFORMANCE.md): the HTTP status (400, 413, 414, 426, 431,
// 501, 505) followed by the close, the WebSocket close code (1002, 1007, 1009), or for the
// framing protocols the echoes of the valid frames before the bad one and then the close.
//
// The list is a cross-section of CONFORMANCE.md's rows rather than all of them (the conformance
// suite has every row, one connection at a time): one input per kind of parser failure, so that
// a storm of them exercises every error path of the server at once.
//
// Thread-safety: plain values.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace archbench::failures {

struct MalformedInput {
  std::string name;
  std::string bytes;  // sent in one write, then the client only reads
  // Judges everything the connection received until the server closed it: empty when it is
  // exactly what the contract says (wire.h's check_* functions).
  std::function<std::string(std::string_view transcript)> check;
};

// The limits the storm servers run with (the inputs over a limit are built from them).
struct StormLimits {
  std::size_t package_max_length = 2u << 20;  // the default
  std::size_t ws_max_message = 64 * 1024;     // --ws-max-message for the websocket storm
  std::size_t eof_max_length = 1024;          // --package-max-length for the eof storm
};

// Server flags that set those limits for `protocol`.
std::vector<std::string> storm_server_flags(const std::string& protocol, const StormLimits& limits);

// The inputs for "http", "websocket", "length" or "eof" (empty for any other protocol).
std::vector<MalformedInput> malformed_inputs(const std::string& protocol,
                                             const StormLimits& limits);

}  // namespace archbench::failures
