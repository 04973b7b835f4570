#include "clients/load/options.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>

namespace archbench::load {
namespace {

// "host:port" or "[v6]:port" into options; "" or the reason it cannot be used.
std::string parse_target(const std::string& target, Options& options) {
  const auto colon = target.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == target.size()) {
    return "--target must be host:port, got '" + target + "'";
  }
  std::string host = target.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port_text = target.substr(colon + 1);
  unsigned port = 0;
  const auto [end, error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    return "--target port must be 1..65535, got '" + port_text + "'";
  }
  options.host = host;
  options.port = static_cast<std::uint16_t>(port);
  return "";
}

bool is_token(const std::string& s) {
  // RFC 9110 tchar, enough to refuse spaces and separators in --method.
  static const std::string kExtra = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kExtra.find(c) != std::string::npos;
  });
}

}  // namespace

bool Options::broadcast() const {
  return protocol == Protocol::kWebSocket && path.substr(0, path.find('?')) == "/broadcast";
}

std::string validate(const Options& o) {
  if (o.port == 0) return "--target host:port is required";
  if (o.threads < 1 || o.threads > 256) return "--threads must be 1..256";
  if (o.connections < 1 || o.connections > 100000) return "--connections must be 1..100000";
  if (o.connections < o.threads) return "--connections must be >= --threads";
  if (o.requests == 0 && !(o.duration_s > 0)) return "--duration must be > 0 seconds";
  if (o.duration_s > 86400) return "--duration must be at most 86400 seconds";
  if (o.warmup_s < 0 || o.warmup_s > 3600) return "--warmup must be 0..3600 seconds";
  if (o.timeout_ms < 1 || o.timeout_ms > 3'600'000) return "--timeout must be 1..3600000 ms";
  if (o.protocol == Protocol::kLength && o.message_size > 0xffffffffu) {
    return "--message-size must fit the 4-byte length header";
  }
  if (o.message_size > (1u << 30)) return "--message-size must be at most 1 GiB";
  if (o.protocol == Protocol::kEcho && o.message_size == 0) {
    return "--message-size must be > 0 for echo (an empty message has no reply to wait for)";
  }
  if (o.eof.empty()) return "--eof must not be empty";
  if (o.eof.size() > 16) return "--eof must be at most 16 bytes";
  if (o.path.empty() || o.path.front() != '/') return "--path must start with '/'";
  if (o.path.find_first_of(" \r\n") != std::string::npos) {
    return "--path must not contain spaces or line breaks";
  }
  if (!is_token(o.method)) return "--method must be an HTTP token such as GET or POST";
  if (o.body_size > (1u << 30)) return "--body-size must be at most 1 GiB";
  if (o.pipeline < 1 || o.pipeline > 1024) return "--pipeline must be 1..1024";
  if (!o.keepalive && o.pipeline > 1) {
    return "--no-keepalive sends one request per connection; it cannot be combined with "
           "--pipeline";
  }
  if (o.broadcast()) {
    if (!o.keepalive) return "--no-keepalive cannot be used on /broadcast: members must stay";
    // Nothing times out while a member waits for a message that never comes: only the run's
    // hard stop (--duration + --timeout) bounds the drain.
    if (o.requests > 0) return "--requests cannot be used on /broadcast: use --duration";
    if (o.connections > kMaxBroadcastMembers) {
      return "--connections must be at most " + std::to_string(kMaxBroadcastMembers) +
             " on /broadcast";
    }
    if (o.message_size < kBroadcastTagSize) {
      return "--message-size must be at least " + std::to_string(kBroadcastTagSize) +
             " on /broadcast (each message starts with its sender's tag)";
    }
  }
  if (o.timer_ms < 0 || o.timer_ms > 3'600'000) return "--timer-ms must be 0..3600000";
  if (o.rate < 0 || o.rate > 1e8) return "--rate must be 0 (closed loop) .. 1e8 per second";
  if (o.connect_rate < 0) return "--connect-rate must be >= 0";
  if (o.interval_ms < 10 || o.interval_ms > 3'600'000) return "--interval-ms must be 10..3600000";
  if (o.find_max && !(o.slo_p99_ms > 0)) return "--find-max needs --slo-p99 MS (> 0)";
  if (!o.find_max && o.slo_p99_ms != 0) return "--slo-p99 is only used with --find-max";
  if (o.find_max_steps < 1 || o.find_max_steps > 20) return "--find-max-steps must be 1..20";
  if (o.find_max && o.requests > 0) return "--find-max runs by --duration, not --requests";
  return "";
}

ParseOutcome parse_options(const std::vector<std::string>& args) {
  Options o;
  std::string target;
  std::string protocol = "echo";
  bool no_keepalive = false;

  CLI::App app{
      "archbench load generator: drives one server with verified requests and reports "
      "throughput and latency (wrk-like summary, JSON with the full percentile spectrum).",
      "load"};
  app.add_option("--target", target, "Server address host:port")->required();
  app.add_option("-t,--threads", o.threads, "Threads, each with its own io_context")
      ->capture_default_str();
  app.add_option("-c,--connections", o.connections, "Connections, spread over the threads")
      ->capture_default_str();
  app.add_option("-d,--duration", o.duration_s, "Measured seconds (after --warmup)")
      ->capture_default_str();
  app.add_option("-n,--requests", o.requests, "Stop after N measured requests instead");
  app.add_option("--warmup", o.warmup_s, "Seconds of load before measuring")
      ->capture_default_str();
  app.add_option("--timeout", o.timeout_ms, "Per-request timeout in ms, from the intended start")
      ->capture_default_str();
  app.add_option("--protocol", protocol, "echo|eof|length|http|websocket|timer")
      ->capture_default_str();
  app.add_option("-s,--message-size", o.message_size,
                 "Payload bytes per message (echo, eof, length, websocket)")
      ->capture_default_str();
  app.add_option("--eof", o.eof, "EOF delimiter (the server's --package-eof)");
  app.add_option("--seed", o.seed, "Seed of the per-connection random payloads")
      ->capture_default_str();
  app.add_option("--path", o.path,
                 "HTTP request path (with query); WebSocket handshake path, where /broadcast "
                 "selects broadcast mode")
      ->capture_default_str();
  app.add_option("--method", o.method, "HTTP method")->capture_default_str();
  app.add_option("--body-size", o.body_size, "HTTP request body bytes")->capture_default_str();
  app.add_option("--pipeline", o.pipeline, "Requests in flight per connection")
      ->capture_default_str();
  app.add_flag("--no-keepalive", no_keepalive, "A new connection for every request");
  app.add_flag("--ws-binary", o.ws_binary, "WebSocket binary messages (default: text)");
  app.add_option("--timer-ms", o.timer_ms, "Timer protocol: AFTER <ms>")->capture_default_str();
  app.add_option("-R,--rate", o.rate, "Open loop: requests/s over all connections (0: closed)")
      ->capture_default_str();
  app.add_option("--connect-rate", o.connect_rate, "Ramp-up: new connections per second");
  app.add_option("--log-requests", o.log_requests, "CSV of every measured request");
  app.add_option("--interval-ms", o.interval_ms, "Width of the per-interval rows")
      ->capture_default_str();
  app.add_flag("--find-max", o.find_max, "Search the highest rate whose p99 meets --slo-p99");
  app.add_option("--slo-p99", o.slo_p99_ms, "p99 bound in ms for --find-max");
  app.add_option("--find-max-steps", o.find_max_steps, "Open-loop trials of --find-max")
      ->capture_default_str();
  app.add_flag("--latency", o.print_latency, "Print the percentile spectrum");
  app.add_option("--json", o.json_path, "Write the results as JSON to FILE");
  app.add_flag("-q,--quiet", o.quiet, "No summary on stdout");

  ParseOutcome outcome;
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 pops from the back
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    outcome.exit_code = 0;
    outcome.message = app.help();
    return outcome;
  } catch (const CLI::ParseError& error) {
    outcome.exit_code = 2;
    outcome.message = std::string(error.what()) + "\nRun with --help for the flags.";
    return outcome;
  }

  std::string problem = parse_target(target, o);
  const auto parsed_protocol = parse_protocol(protocol);
  if (problem.empty() && !parsed_protocol) {
    problem = "--protocol must be one of echo|eof|length|http|websocket|timer, got '" +
              protocol + "'";
  }
  if (parsed_protocol) o.protocol = *parsed_protocol;
  o.keepalive = !no_keepalive;
  if (problem.empty()) problem = validate(o);
  if (!problem.empty()) {
    outcome.exit_code = 2;
    outcome.message = problem;
    return outcome;
  }
  outcome.options = o;
  return outcome;
}

ParseOutcome parse_options(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return parse_options(args);
}

}  // namespace archbench::load
