// Fuzz target: the client-side HTTP response parser (protocols/http/response_parser.h), which
// the load and conformance clients trust to verify every reply.
//
// Options: bit 0 every response answers HEAD; bit 1 the peer closes at the end (finish());
// bits 2-3 limits (defaults; 128-byte header section and 1000-byte body; 64 KiB and 0; 512 and 10).
//
// Oracles:
//   - whole vs split: the same responses (every field), the same error, the same finish();
//   - each response keeps the parser's promises: status 100..999, no body for HEAD/1xx/204/304,
//     a body within max_body, clean header names, trimmed values without control bytes, and
//     a response after which the connection closes is the last one;
//   - kNeedMore consumes everything.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/check.h"
#include "fuzz/split_input.h"
#include "protocols/http/header_section.h"
#include "protocols/http/response_parser.h"

namespace archbench::fuzz {
namespace {

struct Parsed {
  std::vector<http::ParsedResponse> responses;
  int error_status = 0;
  int finish = -1;  // finish()'s status when called
};

std::string describe(const http::ParsedResponse& r) {
  std::string s = "HTTP/1." + std::to_string(r.version_minor) + " " + std::to_string(r.status) +
                  " " + shown(r.reason, 30) + " body " + shown(r.body, 40) +
                  (r.keep_alive ? " keep-alive" : " close") + " headers:";
  for (const http::Header& h : r.headers) s += " [" + shown(h.name, 30) + ": " + shown(h.value, 40) + "]";
  return s;
}

bool same(const http::ParsedResponse& a, const http::ParsedResponse& b) {
  if (a.status != b.status || a.reason != b.reason || a.version_minor != b.version_minor ||
      a.body != b.body || a.keep_alive != b.keep_alive || a.headers.size() != b.headers.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.headers.size(); ++i) {
    if (a.headers[i].name != b.headers[i].name || a.headers[i].value != b.headers[i].value) return false;
  }
  return true;
}

Parsed parse_pieces(const http::ResponseLimits& limits, bool head, bool finish,
                    const std::vector<std::string_view>& pieces) {
  Parsed parsed;
  http::ResponseParser parser(limits);
  parser.expect_head_response(head);
  bool stop = false;  // a 101 ends HTTP on this connection
  for (std::string_view piece : pieces) {
    while (!stop) {
      const http::ResponseParser::Result r = parser.feed(piece);
      FUZZ_CHECK(r.consumed <= piece.size(), "consumed more than given");
      if (r.status == http::ResponseParser::Status::kNeedMore) {
        FUZZ_CHECK(r.consumed == piece.size(), "kNeedMore left bytes unconsumed");
        break;
      }
      if (r.status == http::ResponseParser::Status::kError) {
        parsed.error_status = parser.error().status;
        return parsed;
      }
      parsed.responses.push_back(parser.response());
      stop = parsed.responses.back().status == 101 || !parsed.responses.back().keep_alive;
      parser.reset();
      parser.expect_head_response(head);
      piece.remove_prefix(r.consumed);
      if (piece.empty()) break;
    }
  }
  if (finish && !stop) {
    const http::ResponseParser::Status s = parser.finish();
    parsed.finish = static_cast<int>(s);
    if (s == http::ResponseParser::Status::kComplete) parsed.responses.push_back(parser.response());
    if (s == http::ResponseParser::Status::kError) parsed.error_status = parser.error().status;
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

void check_response(const http::ParsedResponse& r, const http::ResponseLimits& limits, bool head) {
  const std::string what = describe(r);
  FUZZ_CHECK(r.status >= 100 && r.status <= 999, "status: " + what);
  FUZZ_CHECK(r.version_minor == 0 || r.version_minor == 1, "version: " + what);
  const bool no_body = head || (r.status >= 100 && r.status < 200) || r.status == 204 || r.status == 304;
  FUZZ_CHECK(!no_body || r.body.empty(), "a body where none may be: " + what);
  FUZZ_CHECK(r.body.size() <= limits.max_body, "body over max_body: " + what);
  for (const http::Header& h : r.headers) {
    FUZZ_CHECK(!h.name.empty(), "empty header name: " + what);
    for (char c : h.name) FUZZ_CHECK(http::is_token_char(c), "header name is not a token: " + what);
    FUZZ_CHECK(!has_control(h.value), "control byte in a header value: " + what);
    FUZZ_CHECK(h.value.empty() || (h.value.front() != ' ' && h.value.front() != '\t' &&
                                   h.value.back() != ' ' && h.value.back() != '\t'),
               "untrimmed header value: " + what);
  }
}

}  // namespace
}  // namespace archbench::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace archbench::fuzz;
  namespace http = archbench::http;
  const auto input = read_split_input(data, size);
  if (!input) return 0;
  const bool head = input->option(0);
  const bool finish = input->option(1);
  http::ResponseLimits limits;
  switch (input->option_bits(2, 2)) {
    case 1: limits.max_header_section = 128; limits.max_body = 1000; break;
    case 2: limits.max_body = 0; break;
    case 3: limits.max_header_section = 512; limits.max_body = 10; break;
    default: break;
  }

  const Parsed whole = parse_pieces(limits, head, finish, {input->payload});
  const Parsed split = parse_pieces(limits, head, finish, cut(input->payload, input->piece_lengths));
  FUZZ_CHECK(whole.responses.size() == split.responses.size(),
             "whole vs split: " + std::to_string(whole.responses.size()) + " vs " +
                 std::to_string(split.responses.size()) + " responses (errors " +
                 std::to_string(whole.error_status) + " vs " + std::to_string(split.error_status) + ")");
  for (std::size_t i = 0; i < whole.responses.size(); ++i) {
    FUZZ_CHECK(same(whole.responses[i], split.responses[i]),
               "whole vs split, response " + std::to_string(i) + ": " +
                   describe(whole.responses[i]) + " vs " + describe(split.responses[i]));
    check_response(whole.responses[i], limits, head);
  }
  FUZZ_CHECK(whole.error_status == split.error_status && whole.finish == split.finish,
             "whole vs split: error " + std::to_string(whole.error_status) + " vs " +
                 std::to_string(split.error_status) + ", finish " + std::to_string(whole.finish) +
                 " vs " + std::to_string(split.finish));
  const int e = whole.error_status;
  // 501 (a coding before chunked) is used although the header lists only 400/413/431/505.
  FUZZ_CHECK(e == 0 || e == 400 || e == 413 || e == 431 || e == 501 || e == 505,
             "undocumented error status " + std::to_string(e));
  return 0;
}
