// One conformance case: a name, what it needs, and a function that talks to a live server over
// real sockets and either returns (pass) or throws CaseFailure / SocketError (fail, with the
// reason: what was expected and what came).
//
// Cases are plain data built once (see case_catalogue.h); running one is independent of every
// other, so a runner may pick any subset in any order.
//
// Thread-safety: a Case is immutable after construction and may be run from any thread; each run
// gets its own CaseContext, which is not shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "clients/conformance/blocking_socket.h"

namespace archbench::conformance {

// Where the server under test listens.
struct Target {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
};

// What the cases assume about the server's configuration. The defaults are DESIGN.md's defaults;
// a runner that starts the server with other limits must pass the same values here.
struct Options {
  std::size_t package_max_length = std::size_t{2} << 20;  // --package-max-length
  std::string package_eof = "\r\n";                       // --package-eof
  std::size_t ws_max_message = 0;                         // --ws-max-message; 0: package limit
  // Bound of every connect and read. Tests lower it so a missing feature fails quickly.
  Millis io_timeout{5000};
  // Run the big variants (128 length frames up to 1 MiB) instead of the quick defaults.
  bool full_size = false;
  // Seeds every case's random generator (mixed with the case name), so a failure reproduces.
  std::uint32_t seed = 20240601;

  std::size_t websocket_max_message() const {
    return ws_max_message != 0 ? ws_max_message : package_max_length;
  }
};

// Thrown by a case to fail with a reason. The runner reports what() verbatim.
class CaseFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The per-run state a case works with.
class CaseContext {
 public:
  CaseContext(const Target& target, const Options& options, std::string_view case_name);

  const Target& target() const { return target_; }
  const Options& options() const { return options_; }

  // A new connection to the target, bounded by options().io_timeout.
  BlockingSocket connect() const;

  // Deterministic randomness (seeded from options().seed and the case name).
  std::mt19937& rng() { return rng_; }
  std::string random_bytes(std::size_t n);
  // Random bytes drawn from `alphabet` only (e.g. to keep a delimiter out of a message).
  std::string random_text(std::size_t n, std::string_view alphabet);
  std::size_t random_between(std::size_t low, std::size_t high);  // inclusive

  // A pass that deserves a remark (e.g. "not supported by this architecture: ..."). The runner
  // prints it after the PASS line.
  void set_note(std::string note) { note_ = std::move(note); }
  const std::string& note() const { return note_; }

 private:
  Target target_;
  Options options_;
  std::mt19937 rng_;
  std::string note_;
};

struct Case {
  std::string name;      // "<protocol>.<group>.<what>", unique in the catalogue
  std::string protocol;  // "echo", "eof", "length", "http", "websocket", "timer"
  std::string group;     // the middle part of the name
  // The case opens two connections that must be served at the same time. Runners skip it for
  // architectures that serve one connection at a time (iterative).
  bool needs_concurrency = false;
  std::function<void(CaseContext&)> run;
};

enum class Verdict { kPass, kFail };

struct Outcome {
  Verdict verdict = Verdict::kPass;
  std::string reason;  // for kFail: what was expected and what came; for kPass: an optional note
};

// Runs one case against the target, turning every exception into a FAIL with its reason.
Outcome run_case(const Case& c, const Target& target, const Options& options);

// ---- assertions used by the cases (all throw CaseFailure) ----

[[noreturn]] void fail(const std::string& reason);
void expect(bool condition, const std::string& reason);
// Byte-exact comparison; on mismatch names the lengths and the first differing offset.
void expect_bytes(std::string_view got, std::string_view want, const std::string& what);
// The peer must close (FIN or RST) within `timeout` without sending anything more.
void expect_closed(BlockingSocket& socket, Millis timeout, const std::string& what);
// Nothing may arrive within `wait` and the connection must stay open.
void expect_silence(BlockingSocket& socket, Millis wait, const std::string& what);

// Builder helpers so catalogue files read as tables.
using CaseList = std::vector<Case>;
void add_case(CaseList& list, std::string protocol, std::string group, std::string what,
              std::function<void(CaseContext&)> run, bool needs_concurrency = false);

}  // namespace archbench::conformance
