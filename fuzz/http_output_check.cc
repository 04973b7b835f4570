#include "fuzz/http_output_check.h"

#include "fuzz/check.h"

namespace archbench::fuzz {
namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace

ServerReplies parse_server_replies(std::string_view bytes, const std::vector<bool>& head_requests) {
  ServerReplies replies;
  http::ResponseParser parser;
  while (!bytes.empty()) {
    const std::size_t index = replies.responses.size();
    parser.reset();
    parser.expect_head_response(index < head_requests.size() && head_requests[index]);
    const std::string_view whole_rest = bytes;
    const bool head = index < head_requests.size() && head_requests[index];
    const http::ResponseParser::Result r = parser.feed(bytes);
    FUZZ_CHECK(r.status != http::ResponseParser::Status::kError,
               "response " + std::to_string(index) + " does not parse (" +
                   std::string(parser.error().reason) + "): " + shown(bytes, 300));
    FUZZ_CHECK(r.status == http::ResponseParser::Status::kComplete,
               "the output ends inside response " + std::to_string(index) + ": " + shown(bytes, 300));
    const std::string_view response_bytes = bytes.substr(0, r.consumed);
    bytes.remove_prefix(r.consumed);
    http::ParsedResponse& response = parser.response();
    if (response.status == 100) {
      FUZZ_CHECK(response_bytes == kContinue, "odd interim response " + shown(response_bytes));
      ++replies.interim;
      continue;
    }
    FUZZ_CHECK(response.find_header("Server") != nullptr && response.find_header("Date") != nullptr,
               "response without Server or Date: " + shown(response_bytes, 300));
    const bool close = !response.keep_alive;
    const bool upgrade = response.status == 101;
    replies.responses.push_back(std::move(response));
    if (upgrade) {
      replies.upgraded = true;
      replies.after_upgrade = bytes;
      return replies;
    }
    FUZZ_CHECK(!head || bytes.empty() || bytes.rfind("HTTP/1.1 ", 0) == 0,
               "the response to HEAD request " + std::to_string(index) +
                   " carries a body (RFC 9110 9.3.2): " + shown(whole_rest, 300));
    FUZZ_CHECK(!close || bytes.empty(),
               "bytes after a Connection: close response: " + shown(bytes, 200));
  }
  FUZZ_CHECK(parser.finish() != http::ResponseParser::Status::kError, "truncated response");
  return replies;
}

std::vector<std::string> request_methods(std::string_view input, const http::RequestLimits& limits) {
  std::vector<std::string> methods;
  http::RequestParser parser(limits);
  while (!input.empty()) {
    const http::RequestParser::Result r = parser.feed(input);
    input.remove_prefix(r.consumed);
    if (r.status != http::RequestParser::Status::kComplete) break;
    methods.push_back(parser.request().method);
    parser.reset();
  }
  return methods;
}

std::string without_continues(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  while (true) {
    const std::size_t at = bytes.find(kContinue);
    if (at == std::string_view::npos) break;
    out.append(bytes.substr(0, at));
    bytes.remove_prefix(at + kContinue.size());
  }
  out.append(bytes);
  return out;
}

}  // namespace archbench::fuzz
