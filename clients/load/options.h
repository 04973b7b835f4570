// The load generator's command line: every flag, its default, and the checks that turn a bad
// combination into a clear message and exit status 2 before any connection is made.
//
// Thread-safety: Options is a plain value, read-only once the run starts (shared by all load
// threads). parse_options() has no shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocols/session.h"

namespace archbench::load {

struct Options {
  // --target host:port
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;

  int threads = 2;
  int connections = 10;
  double duration_s = 10.0;     // --duration; ignored when requests > 0
  std::uint64_t requests = 0;   // --requests N: stop after N measured requests (0: by duration)
  double warmup_s = 0.0;
  int timeout_ms = 2000;        // per request, from its intended start

  Protocol protocol = Protocol::kEcho;
  // echo, eof, length, websocket: bytes of payload per message (the EOF delimiter and the
  // length header come on top).
  std::size_t message_size = 64;
  std::string eof = "\r\n";     // --eof: the server's --package-eof
  std::uint64_t seed = 1;       // payload generator seed (per connection: seed + index)

  // http
  std::string path = "/";
  std::string method = "GET";
  std::size_t body_size = 0;
  bool keepalive = true;        // --no-keepalive: a new connection per request
  // Requests kept in flight per connection (every protocol; HTTP calls it pipelining).
  int pipeline = 1;

  // websocket: the handshake goes to `path`; on /broadcast (query aside) the client runs in
  // broadcast mode (see broadcast()).
  bool ws_binary = false;

  // timer: AFTER <timer_ms> <id>
  int timer_ms = 10;

  // Open loop when > 0: requests per second over all connections, latency from the intended
  // start. 0: closed loop.
  double rate = 0.0;
  double connect_rate = 0.0;    // new connections per second during ramp-up; 0: all at once

  std::string log_requests;     // --log-requests FILE
  int interval_ms = 1000;       // width of the per-interval throughput/percentile rows

  bool find_max = false;        // search for the highest rate with p99 <= slo_p99_ms
  double slo_p99_ms = 0.0;
  int find_max_steps = 6;

  bool print_latency = false;   // --latency: the percentile spectrum
  std::string json_path;        // --json FILE
  bool quiet = false;           // no summary on stdout (for --json users)

  bool open_loop() const { return rate > 0; }
  // WebSocket broadcast mode: every connection joins the server's /broadcast group, sends
  // tagged messages, and verifies that each member receives every message exactly once, in
  // each sender's order (DESIGN.md, "websocket"; broadcast_group.h).
  bool broadcast() const;
  // What the summary's "Running ..." line and the JSON "parameters" show.
  std::string target() const { return host + ":" + std::to_string(port); }
};

// Broadcast mode keeps one counter per (receiver, sender) pair: this bounds it (8 MiB), and a
// bigger group would mostly measure the client's own fan-out work anyway.
inline constexpr int kMaxBroadcastMembers = 1024;
// Every broadcast message starts with a tag of this many bytes (broadcast_message.h), so
// --message-size must be at least that.
inline constexpr std::size_t kBroadcastTagSize = 24;

struct ParseOutcome {
  std::optional<Options> options;  // set when the run should go ahead
  int exit_code = 0;               // when options is empty: 0 for --help, 2 for a bad flag
  std::string message;             // help text or the error, for stdout / stderr
};

ParseOutcome parse_options(const std::vector<std::string>& args);  // args without argv[0]
ParseOutcome parse_options(int argc, char** argv);

// The checks parse_options() applies after reading the flags; "" when the options are usable.
// Public so that tests and the find-max driver can validate options built in code.
std::string validate(const Options& options);

}  // namespace archbench::load
