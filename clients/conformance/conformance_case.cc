#include "clients/conformance/conformance_case.h"

#include <exception>
#include <utility>

namespace archbench::conformance {
namespace {

// FNV-1a: a stable hash of the case name, so each case's random stream does not change when
// other cases are added or reordered.
std::uint32_t name_hash(std::string_view name) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : name) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

}  // namespace

CaseContext::CaseContext(const Target& target, const Options& options, std::string_view case_name)
    : target_(target), options_(options), rng_(options.seed ^ name_hash(case_name)) {}

BlockingSocket CaseContext::connect() const {
  return BlockingSocket::connect(target_.host, target_.port, options_.io_timeout);
}

std::string CaseContext::random_bytes(std::size_t n) {
  std::string out(n, '\0');
  std::uniform_int_distribution<int> byte(0, 255);
  for (char& c : out) c = static_cast<char>(byte(rng_));
  return out;
}

std::string CaseContext::random_text(std::size_t n, std::string_view alphabet) {
  std::string out(n, '\0');
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  for (char& c : out) c = alphabet[pick(rng_)];
  return out;
}

std::size_t CaseContext::random_between(std::size_t low, std::size_t high) {
  return std::uniform_int_distribution<std::size_t>(low, high)(rng_);
}

Outcome run_case(const Case& c, const Target& target, const Options& options) {
  CaseContext context(target, options, c.name);
  try {
    c.run(context);
    return {Verdict::kPass, context.note()};
  } catch (const CaseFailure& failure) {
    return {Verdict::kFail, failure.what()};
  } catch (const SocketError& error) {
    return {Verdict::kFail, error.what()};
  } catch (const std::exception& error) {
    return {Verdict::kFail, std::string("unexpected error: ") + error.what()};
  }
}

void fail(const std::string& reason) { throw CaseFailure(reason); }

void expect(bool condition, const std::string& reason) {
  if (!condition) fail(reason);
}

void expect_bytes(std::string_view got, std::string_view want, const std::string& what) {
  if (got == want) return;
  std::size_t at = 0;
  while (at < got.size() && at < want.size() && got[at] == want[at]) ++at;
  const std::size_t from = at > 16 ? at - 16 : 0;
  fail(what + ": expected " + std::to_string(want.size()) + " bytes \"" +
       printable(want.substr(0, 64)) + "\", got " + std::to_string(got.size()) + " bytes \"" +
       printable(got.substr(0, 64)) + "\"; first difference at offset " + std::to_string(at) +
       " (expected \"" + printable(want.substr(from, 48)) + "\", got \"" +
       printable(got.substr(from, 48)) + "\" from offset " + std::to_string(from) + ")");
}

void expect_closed(BlockingSocket& socket, Millis timeout, const std::string& what) {
  CloseWait wait = socket.wait_for_close(timeout);
  if (!wait.extra.empty()) {
    fail(what + ": expected the connection closed with nothing more, got " +
         std::to_string(wait.extra.size()) + " bytes \"" + printable(wait.extra) + "\"" +
         (wait.closed ? " and then a close" : " and no close"));
  }
  if (!wait.closed) {
    fail(what + ": expected the server to close the connection within " +
         std::to_string(timeout.count()) + " ms; it stayed open");
  }
}

void expect_silence(BlockingSocket& socket, Millis wait, const std::string& what) {
  std::string got = socket.read_for(wait);
  if (!got.empty()) {
    fail(what + ": expected nothing for " + std::to_string(wait.count()) + " ms, got \"" +
         printable(got) + "\"");
  }
  if (socket.peer_gone()) fail(what + ": expected the connection to stay open; it was closed");
}

void add_case(CaseList& list, std::string protocol, std::string group, std::string what,
              std::function<void(CaseContext&)> run, bool needs_concurrency) {
  Case c;
  c.name = protocol + "." + group + "." + what;
  c.protocol = std::move(protocol);
  c.group = std::move(group);
  c.needs_concurrency = needs_concurrency;
  c.run = std::move(run);
  list.push_back(std::move(c));
}

}  // namespace archbench::conformance
