// The command line every server shares, parsed with CLI11, and the ProtocolConfig built from it.
//
// Each architecture creates one ServerCommandLine, adds its own flags to app() (e.g.
// `--workers`, `--max-conns`), then calls parse_or_exit(). Conventions (DESIGN.md, "Interfaces"):
// --help prints and exits 0; a bad flag or value prints the reason and exits 2.
//
// Thread-safety: used from main only, before any thread or child starts.
#pragma once

#include <CLI/CLI.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "protocols/session.h"

namespace archbench {

struct CommonOptions {
  Protocol protocol = Protocol::kEcho;
  std::string host = "127.0.0.1";
  int port = 0;
  int backlog = 511;  // nginx's default; the kernel caps it at net.core.somaxconn
  std::size_t package_max_length = kDefaultPackageMaxLength;
  std::string package_eof = "\r\n";  // decoded (the flag takes escapes)
  std::size_t ws_max_message = 0;    // 0: package_max_length
  std::string ws_token_secret;
  // HTTP and WebSocket handshakes: ms a request's header section may take from its first byte
  // (ProtocolConfig::header_timeout); 0 disables.
  std::int64_t header_timeout_ms = kDefaultHeaderTimeout.count();
  // HTTP: ms the server waits for the next byte of a request body (ProtocolConfig::body_timeout);
  // 0 disables.
  std::int64_t body_timeout_ms = kDefaultBodyTimeout.count();
  // HTTP and WebSocket handshakes: ms a connection may sit between requests before it is closed
  // (ProtocolConfig::keepalive_timeout); 0 disables.
  std::int64_t keepalive_timeout_ms = kDefaultKeepAliveTimeout.count();
  bool trace = false;
};

class ServerCommandLine {
 public:
  // `architecture` is the id of DESIGN.md ("iterative", ...): it names the binary in --help and
  // makes the HTTP Server header "archbench/<architecture>".
  ServerCommandLine(std::string architecture, std::string description);

  // Add architecture flags here before parsing.
  CLI::App& app() { return app_; }

  // Parses and validates. Returns nullopt when the server should run, else the exit code after
  // printing (0 for --help on stdout, 2 for errors on stderr). Also checks that the chosen
  // protocol can build a session, so an unavailable protocol fails at start, not per connection.
  std::optional<int> parse(int argc, const char* const* argv);
  // parse(), then std::exit with the code when there is one. Also turns on --trace.
  void parse_or_exit(int argc, const char* const* argv);

  const CommonOptions& options() const { return options_; }
  const std::string& architecture() const { return architecture_; }

  // The read-only config all sessions of this server share. Blocking and process-per-connection
  // models pass can_broadcast = false with the reason (sent in the 501 body of /broadcast).
  ProtocolConfig protocol_config(bool can_broadcast, const std::string& refusal = {}) const;

 private:
  std::string architecture_;
  CLI::App app_;
  CommonOptions options_;
  std::string protocol_text_ = "echo";
  std::string package_eof_text_ = "\\r\\n";
};

}  // namespace archbench
