// Fuzz target: the incremental HTTP/1.1 request parser (protocols/http/request_parser.h),
// pipelined requests included.
//
// Options: bits 0-1 max_body (2 MiB, 0, 10, 1000), bits 2-3 max_header_section (8192, 64, 300,
// 2000), bits 4-5 max_target (4096, 1, 20, 200).
//
// Oracles:
//   - whole vs split: the same requests (every field) and the same final error;
//   - each request satisfies what the parser promises: token method, version 1.0/1.1, one Host
//     in HTTP/1.1, clean header names and trimmed values without control bytes, a body within
//     max_body and equal to Content-Length, keep_alive as RFC 9112 9.3 derives it; errors only
//     with the documented statuses; kNeedMore always consumes everything;
//   - differential against Debian's libhttp_parser (nodejs http-parser 2.9): while both accept,
//     both must see the same method, target and body for each request. The two disagree on
//     what to refuse (ours is stricter: bare LF, duplicate Content-Length values, methods it does
//     not know), so only requests both accept are compared; a disagreement on where a body ends
//     is exactly the request-smuggling bug this catches.
#include <http_parser.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/check.h"
#include "fuzz/split_input.h"
#include "protocols/http/header_section.h"
#include "protocols/http/request_parser.h"

namespace archbench::fuzz {
namespace {

struct Parsed {
  std::vector<http::Request> requests;
  int error_status = 0;  // 0: no error (the input ended, possibly inside a request)
};

std::string describe(const http::Request& r) {
  std::string s = r.method + " " + shown(r.target, 60) + " HTTP/1." + std::to_string(r.version_minor) +
                  " path " + shown(r.path, 40) + " query " + shown(r.query, 40) + " body " +
                  shown(r.body, 40) + (r.keep_alive ? " keep-alive" : " close") + " headers:";
  for (const http::Header& h : r.headers) s += " [" + shown(h.name, 30) + ": " + shown(h.value, 40) + "]";
  return s;
}

bool same(const http::Request& a, const http::Request& b) {
  if (a.method != b.method || a.target != b.target || a.path != b.path || a.query != b.query ||
      a.version_minor != b.version_minor || a.body != b.body || a.keep_alive != b.keep_alive ||
      a.headers.size() != b.headers.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.headers.size(); ++i) {
    if (a.headers[i].name != b.headers[i].name || a.headers[i].value != b.headers[i].value) return false;
  }
  return true;
}

Parsed parse_pieces(const http::RequestLimits& limits, const std::vector<std::string_view>& pieces) {
  Parsed parsed;
  http::RequestParser parser(limits);
  for (std::string_view piece : pieces) {
    while (true) {
      const http::RequestParser::Result r = parser.feed(piece);
      FUZZ_CHECK(r.consumed <= piece.size(), "consumed more than it was given");
      if (r.status == http::RequestParser::Status::kNeedMore) {
        FUZZ_CHECK(r.consumed == piece.size(), "kNeedMore left " +
                                                   std::to_string(piece.size() - r.consumed) +
                                                   " bytes unconsumed");
        break;
      }
      if (r.status == http::RequestParser::Status::kError) {
        parsed.error_status = parser.error().status;
        return parsed;
      }
      parsed.requests.push_back(parser.request());
      parser.reset();
      piece.remove_prefix(r.consumed);
      if (piece.empty()) break;
    }
  }
  return parsed;
}

bool has_control(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return true;
  }
  return false;
}

// Every non-empty comma-separated element is `size` in decimal: identical duplicates may be
// merged into a list, and empty list elements are ignored (RFC 9110 5.6.1, framing_fields.cc).
bool content_length_is(std::string_view value, std::size_t size) {
  std::size_t elements = 0;
  while (true) {
    const std::size_t comma = value.find(',');
    std::string_view element = http::trim_ows(value.substr(0, comma));
    if (!element.empty()) {
      while (element.size() > 1 && element.front() == '0') element.remove_prefix(1);
      if (element != std::to_string(size)) return false;
      ++elements;
    }
    if (comma == std::string_view::npos) return elements > 0;
    value.remove_prefix(comma + 1);
  }
}

void check_request(const http::Request& r, const http::RequestLimits& limits) {
  const std::string what = describe(r);
  FUZZ_CHECK(!r.method.empty(), "empty method: " + what);
  for (char c : r.method) FUZZ_CHECK(http::is_token_char(c), "method is not a token: " + what);
  FUZZ_CHECK(r.version_minor == 0 || r.version_minor == 1, "version: " + what);
  FUZZ_CHECK(!r.target.empty() && r.target.size() <= limits.max_target, "target size: " + what);
  FUZZ_CHECK(r.body.size() <= limits.max_body, "body over max_body: " + what);
  std::size_t hosts = 0;
  bool close = false, keep_alive = false;
  for (const http::Header& h : r.headers) {
    FUZZ_CHECK(!h.name.empty(), "empty header name: " + what);
    for (char c : h.name) FUZZ_CHECK(http::is_token_char(c), "header name is not a token: " + what);
    FUZZ_CHECK(!has_control(h.value), "control byte in a header value: " + what);
    FUZZ_CHECK(h.value.empty() || (h.value.front() != ' ' && h.value.front() != '\t' &&
                                   h.value.back() != ' ' && h.value.back() != '\t'),
               "untrimmed header value: " + what);
    if (http::iequals(h.name, "Host")) ++hosts;
  }
  close = r.header_has_token("Connection", "close");
  keep_alive = r.header_has_token("Connection", "keep-alive");
  FUZZ_CHECK(hosts <= 1 && (r.version_minor == 0 || hosts == 1), "Host count: " + what);
  FUZZ_CHECK(r.keep_alive == (r.version_minor == 1 ? !close : keep_alive && !close),
             "keep_alive does not follow the Connection header: " + what);
  if (const std::string* length = r.find_header("Content-Length")) {
    FUZZ_CHECK(r.find_header("Transfer-Encoding") == nullptr, "both CL and TE: " + what);
    FUZZ_CHECK(content_length_is(*length, r.body.size()),
               "body size differs from Content-Length: " + what);
  }
}

// --- libhttp_parser, the reference implementation of the differential check ---

struct ReferenceMessage {
  std::string method, url, body;
  bool complete = false;
  bool upgrade = false;
};

struct ReferenceRun {
  std::vector<ReferenceMessage> messages;
};

int on_message_begin(http_parser* p) {
  static_cast<ReferenceRun*>(p->data)->messages.emplace_back();
  return 0;
}
int on_url(http_parser* p, const char* at, std::size_t n) {
  static_cast<ReferenceRun*>(p->data)->messages.back().url.append(at, n);
  return 0;
}
int on_body(http_parser* p, const char* at, std::size_t n) {
  static_cast<ReferenceRun*>(p->data)->messages.back().body.append(at, n);
  return 0;
}
int on_message_complete(http_parser* p) {
  ReferenceMessage& m = static_cast<ReferenceRun*>(p->data)->messages.back();
  m.method = http_method_str(static_cast<http_method>(p->method));
  m.complete = true;
  m.upgrade = p->upgrade;
  return 0;
}

ReferenceRun run_http_parser(std::string_view input) {
  static const http_parser_settings settings = [] {
    http_parser_settings s;
    http_parser_settings_init(&s);
    s.on_message_begin = on_message_begin;
    s.on_url = on_url;
    s.on_body = on_body;
    s.on_message_complete = on_message_complete;
    return s;
  }();
  ReferenceRun run;
  http_parser parser;
  http_parser_init(&parser, HTTP_REQUEST);
  parser.data = &run;
  http_parser_execute(&parser, &settings, input.data(), input.size());
  return run;
}

void compare_with_http_parser(std::string_view input, const Parsed& ours) {
  const ReferenceRun theirs = run_http_parser(input);
  for (std::size_t i = 0; i < ours.requests.size() && i < theirs.messages.size(); ++i) {
    const http::Request& a = ours.requests[i];
    const ReferenceMessage& b = theirs.messages[i];
    if (!b.complete) return;  // http_parser refused or has not finished it: nothing to compare
    const std::string what = "request " + std::to_string(i) + ": ours " + describe(a) +
                             "; http_parser " + b.method + " " + shown(b.url, 60) + " body " +
                             shown(b.body, 40);
    FUZZ_CHECK(a.method == b.method && a.target == b.url, "method/target disagree: " + what);
    if (b.upgrade) return;  // http_parser stops reading HTTP after an upgrade
    FUZZ_CHECK(a.body == b.body, "body framing disagrees: " + what);
  }
}

}  // namespace
}  // namespace archbench::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace archbench;
  using namespace archbench::fuzz;
  const auto input = read_split_input(data, size);
  if (!input) return 0;
  static constexpr std::size_t kBodies[] = {2u << 20, 0, 10, 1000};
  static constexpr std::size_t kSections[] = {8192, 64, 300, 2000};
  static constexpr std::size_t kTargets[] = {4096, 1, 20, 200};
  http::RequestLimits limits;
  limits.max_body = kBodies[input->option_bits(0, 2)];
  limits.max_header_section = kSections[input->option_bits(2, 2)];
  limits.max_target = kTargets[input->option_bits(4, 2)];

  const Parsed whole = parse_pieces(limits, {input->payload});
  const Parsed split = parse_pieces(limits, cut(input->payload, input->piece_lengths));
  FUZZ_CHECK(whole.requests.size() == split.requests.size(),
             "whole vs split: " + std::to_string(whole.requests.size()) + " vs " +
                 std::to_string(split.requests.size()) + " requests (errors " +
                 std::to_string(whole.error_status) + " vs " + std::to_string(split.error_status) + ")");
  for (std::size_t i = 0; i < whole.requests.size(); ++i) {
    FUZZ_CHECK(same(whole.requests[i], split.requests[i]),
               "whole vs split, request " + std::to_string(i) + ": " + describe(whole.requests[i]) +
                   " vs " + describe(split.requests[i]));
    check_request(whole.requests[i], limits);
  }
  FUZZ_CHECK(whole.error_status == split.error_status,
             "whole vs split: error " + std::to_string(whole.error_status) + " vs " +
                 std::to_string(split.error_status));
  const int e = whole.error_status;
  FUZZ_CHECK(e == 0 || e == 400 || e == 413 || e == 414 || e == 431 || e == 501 || e == 505,
             "undocumented error status " + std::to_string(e));
  compare_with_http_parser(input->payload, whole);
  return 0;
}
