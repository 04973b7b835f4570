#include "servers/core/server_flags.h"

#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include "servers/core/escape_sequences.h"
#include "servers/core/server_log.h"

namespace archbench {
namespace {

// A day: anything longer is a typo, not a policy (and 0 already means "no limit").
constexpr std::int64_t kMaxTimeoutMs = 24LL * 3600 * 1000;

}  // namespace

ServerCommandLine::ServerCommandLine(std::string architecture, std::string description)
    : architecture_(std::move(architecture)), app_(std::move(description), architecture_) {
  app_.add_option("--protocol", protocol_text_,
                  "echo | eof | length | http | websocket | timer")
      ->capture_default_str()
      ->check(CLI::IsMember({"echo", "eof", "length", "http", "websocket", "timer"}));
  app_.add_option("--host", options_.host, "address to listen on")->capture_default_str();
  app_.add_option("--port", options_.port, "port to listen on (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  app_.add_option("--backlog", options_.backlog, "listen() backlog")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app_.add_option("--package-max-length", options_.package_max_length,
                  "bytes: max EOF message, length body, HTTP body, WebSocket message")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 40));
  app_.add_option("--package-eof", package_eof_text_,
                  "EOF-protocol delimiter; escapes \\r \\n \\t \\0 \\\\ \\xHH")
      ->capture_default_str();
  app_.add_option("--ws-max-message", options_.ws_max_message,
                  "bytes: max WebSocket message (0: --package-max-length)")
      ->capture_default_str();
  app_.add_option("--ws-token-secret", options_.ws_token_secret,
                  "require uid + token=hex(HMAC-SHA256(secret, uid)) on WebSocket handshakes");
  app_.add_option("--header-timeout-ms", options_.header_timeout_ms,
                  "http, websocket: ms from a request's first byte until its header section "
                  "must be complete, else 408 and close (slowloris); 0: no limit")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, kMaxTimeoutMs));
  app_.add_option("--body-timeout-ms", options_.body_timeout_ms,
                  "http: ms the server waits for the next byte of a request body, else 408 and "
                  "close (slow POST); 0: no limit")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, kMaxTimeoutMs));
  app_.add_option("--keepalive-timeout-ms", options_.keepalive_timeout_ms,
                  "http, websocket: ms a connection may wait between requests (from accept or "
                  "the last reply) before it is closed; 0: no limit")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, kMaxTimeoutMs));
  app_.add_flag("--trace", options_.trace, "log which process/thread serves each connection");
}

std::optional<int> ServerCommandLine::parse(int argc, const char* const* argv) {
  try {
    app_.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    std::cout << app_.help() << std::flush;
    return 0;
  } catch (const CLI::CallForAllHelp& e) {
    std::cout << app_.help("", CLI::AppFormatMode::All) << std::flush;
    return 0;
  } catch (const CLI::ParseError& e) {
    log_line(architecture_ + ": " + e.what() + " (see --help)");
    return 2;
  }
  options_.protocol = *parse_protocol(protocol_text_);  // IsMember checked it.
  std::string error;
  std::optional<std::string> eof = decode_escapes(package_eof_text_, &error);
  if (!eof) {
    log_line(architecture_ + ": --package-eof: " + error);
    return 2;
  }
  if (eof->empty()) {
    log_line(architecture_ + ": --package-eof: the delimiter must not be empty");
    return 2;
  }
  options_.package_eof = *eof;
  try {
    // Fail at start-up, not on the first connection, when a protocol is not available.
    (void)make_session(options_.protocol, protocol_config(false), Clock::now());
  } catch (const std::exception& e) {
    log_line(architecture_ + ": --protocol " + protocol_text_ + ": " + e.what());
    return 2;
  }
  return std::nullopt;
}

void ServerCommandLine::parse_or_exit(int argc, const char* const* argv) {
  if (std::optional<int> code = parse(argc, argv)) std::exit(*code);
  set_trace_enabled(options_.trace);
}

ProtocolConfig ServerCommandLine::protocol_config(bool can_broadcast,
                                                  const std::string& refusal) const {
  ProtocolConfig config;
  config.package_max_length = options_.package_max_length;
  config.package_eof = options_.package_eof;
  config.ws_max_message = options_.ws_max_message;
  config.ws_token_secret = options_.ws_token_secret;
  config.header_timeout = std::chrono::milliseconds(options_.header_timeout_ms);
  config.body_timeout = std::chrono::milliseconds(options_.body_timeout_ms);
  config.keepalive_timeout = std::chrono::milliseconds(options_.keepalive_timeout_ms);
  config.server_name = "archbench/" + architecture_;
  config.can_broadcast = can_broadcast;
  if (!refusal.empty()) config.broadcast_refusal = refusal;
  return config;
}

}  // namespace archbench
