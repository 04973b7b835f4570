// //clients:conformance — runs the conformance cases of one protocol against any server:
//
//   conformance --target 127.0.0.1:8080 --protocol websocket [--only utf8] [--list]
//
// One line per case (PASS name / FAIL name: reason / SKIP name: reason) and a last line
// "N passed, N failed". Exit status 0 only when nothing failed; 2 for bad flags.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <string>

#include "clients/conformance/case_catalogue.h"

namespace archbench::conformance {
namespace {

// "\r\n" typed on a command line arrives as backslash escapes; the server flag takes the same.
std::string unescape(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out.push_back(text[i]);
      continue;
    }
    const char c = text[++i];
    out.push_back(c == 'r' ? '\r' : c == 'n' ? '\n' : c == 't' ? '\t' : c == '0' ? '\0' : c);
  }
  return out;
}

bool parse_target(const std::string& text, Target& target) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  try {
    std::size_t used = 0;
    const int port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || port <= 0 || port > 65535) return false;
    target.port = static_cast<std::uint16_t>(port);
  } catch (const std::exception&) {
    return false;
  }
  target.host = text.substr(0, colon);
  if (target.host.size() > 2 && target.host.front() == '[' && target.host.back() == ']') {
    target.host = target.host.substr(1, target.host.size() - 2);
  }
  return true;
}

int run(int argc, char** argv) {
  CLI::App app{
      "archbench conformance client: runs one protocol's conformance cases against a "
      "server and prints PASS/FAIL per case"};
  std::string target_text;
  std::string protocol;
  std::string only_group;
  std::string only_case;
  bool list = false;
  bool sequential = false;
  std::string eof = "\\r\\n";
  long long timeout_ms = 5000;
  Options options;
  app.add_option("--target", target_text, "host:port of the server under test");
  app.add_option("--protocol", protocol, "echo, eof, length, http, websocket or timer")
      ->check(CLI::IsMember(protocol_names()));
  app.add_option("--only", only_group, "run only this group (e.g. utf8, bad, limits)");
  app.add_option("--case", only_case, "run only the case with this full name");
  app.add_flag("--list", list, "list the cases (of --protocol, or all) and exit");
  app.add_option("--package-max-length", options.package_max_length,
                 "the server's --package-max-length (default 2 MiB)");
  app.add_option("--package-eof", eof, "the server's --package-eof, escapes allowed (\\r\\n)");
  app.add_option("--ws-max-message", options.ws_max_message,
                 "the server's --ws-max-message (0: the package limit)");
  app.add_option("--timeout-ms", timeout_ms, "bound of every connect and read")
      ->check(CLI::Range(1, 600000));
  app.add_flag("--full-size", options.full_size, "run the big variants (128 frames up to 1 MiB)");
  app.add_option("--seed", options.seed, "seed of the random payloads");
  app.add_flag("--sequential-server", sequential,
               "the server serves one connection at a time: skip cases needing two at once");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? 0 : 2;
  }
  options.package_eof = unescape(eof);
  options.io_timeout = Millis(timeout_ms);
  if (options.package_eof.empty()) {
    std::cerr << "--package-eof must not be empty\n";
    return 2;
  }

  if (list) {
    for (const Case& c : all_cases()) {
      if ((protocol.empty() || c.protocol == protocol) &&
          (only_group.empty() || c.group == only_group)) {
        std::cout << c.name << (c.needs_concurrency ? "  [needs concurrency]" : "") << "\n";
      }
    }
    return 0;
  }
  Target target;
  if (protocol.empty() || !parse_target(target_text, target)) {
    std::cerr << "need --protocol and --target host:port (see --help)\n";
    return 2;
  }
  const auto selected = select_cases(protocol, only_group);
  if (selected.empty()) {
    std::cerr << "no cases in group \"" << only_group << "\" of " << protocol << "\n";
    return 2;
  }
  int passed = 0;
  int failed = 0;
  int skipped = 0;
  for (const Case* c : selected) {
    if (!only_case.empty() && c->name != only_case) continue;
    if (sequential && c->needs_concurrency) {
      std::cout << "SKIP " << c->name << ": needs two connections served at once\n" << std::flush;
      ++skipped;
      continue;
    }
    const Outcome outcome = run_case(*c, target, options);
    if (outcome.verdict == Verdict::kPass) {
      ++passed;
      std::cout << "PASS " << c->name << (outcome.reason.empty() ? "" : " (" + outcome.reason + ")")
                << "\n";
    } else {
      ++failed;
      std::cout << "FAIL " << c->name << ": " << outcome.reason << "\n";
    }
    std::cout.flush();
  }
  if (skipped > 0) std::cout << skipped << " skipped\n";
  std::cout << passed << " passed, " << failed << " failed" << std::endl;
  return failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace archbench::conformance

int main(int argc, char** argv) { return archbench::conformance::run(argc, argv); }
