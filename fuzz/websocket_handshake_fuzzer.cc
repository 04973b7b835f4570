// Fuzz target: the opening handshake, as --protocol websocket judges any HTTP request (an
// HttpSession with websocket_only, so every request is a handshake attempt).
//
// Options: bit 0 the peer closes at the end; bit 1 the architecture can broadcast; bit 2 a
// token secret is configured (the handshake then needs uid and token, else 403).
//
// Oracles: whole vs split give the same bytes; the answer parses as HTTP
// (http_output_check.h); a 101 is given only to a request that meets every RFC 6455 4.2.1 rule
// checked here independently, and its Sec-WebSocket-Accept passes the client-side check
// (verify_server_handshake); a 426 names version 13; every refusal closes the connection.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/check.h"
#include "fuzz/http_output_check.h"
#include "fuzz/session_transcript.h"
#include "fuzz/split_input.h"
#include "fuzz/websocket_output_check.h"
#include "protocols/http/request_parser.h"
#include "protocols/session.h"
#include "protocols/websocket/handshake.h"

namespace archbench::fuzz {
namespace {

// The first request the session parsed, parsed again here.
bool first_request(std::string_view bytes, http::Request& request) {
  http::RequestParser parser(http::RequestLimits{});
  if (parser.feed(bytes).status != http::RequestParser::Status::kComplete) return false;
  request = parser.request();
  return true;
}

std::size_t count_headers(const http::Request& request, std::string_view name) {
  std::size_t n = 0;
  for (const http::Header& h : request.headers) n += http::iequals(h.name, name) ? 1 : 0;
  return n;
}

// RFC 6455 4.2.1, read straight from the RFC (not from handshake.cc).
void check_acceptable(const http::Request& request) {
  FUZZ_CHECK(request.method == "GET", "101 for method " + request.method);
  FUZZ_CHECK(request.version_minor == 1, "101 for HTTP/1.0");
  FUZZ_CHECK(count_headers(request, "Host") == 1, "101 without exactly one Host");
  FUZZ_CHECK(request.header_has_token("Upgrade", "websocket"), "101 without Upgrade: websocket");
  FUZZ_CHECK(request.header_has_token("Connection", "upgrade"), "101 without Connection: Upgrade");
  FUZZ_CHECK(count_headers(request, "Sec-WebSocket-Key") == 1, "101 without exactly one key");
  const std::string* version = request.find_header("Sec-WebSocket-Version");
  FUZZ_CHECK(version != nullptr && *version == "13", "101 without Sec-WebSocket-Version: 13");
}

}  // namespace
}  // namespace archbench::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace archbench;
  using namespace archbench::fuzz;
  const auto input = read_split_input(data, size);
  if (!input) return 0;
  ProtocolConfig config;
  // The driver jumps to every deadline at the end, so a keep-alive clock would close every
  // connection by itself and hide the peer-close path; its unit tests cover it.
  config.keepalive_timeout = std::chrono::milliseconds(0);
  config.can_broadcast = input->option(1);
  if (input->option(2)) config.ws_token_secret = "fuzz-secret";
  DriveOptions options;
  options.peer_close_at_end = input->option(0);

  auto whole_session = make_session(Protocol::kWebSocket, config, fuzz_now().steady);
  const Transcript whole = drive(*whole_session, {input->payload}, options);
  auto split_session = make_session(Protocol::kWebSocket, config, fuzz_now().steady);
  Transcript split = drive(*split_session, cut(input->payload, input->piece_lengths), options);
  Transcript whole_final = whole;
  whole_final.bytes = without_continues(whole.bytes);
  split.bytes = without_continues(split.bytes);
  const std::string difference = first_difference(whole_final, split);
  FUZZ_CHECK(difference.empty(), "whole vs split: " + difference);

  http::Request request;
  const bool parsed = first_request(input->payload, request);
  const ServerReplies replies =
      parse_server_replies(whole.bytes, {parsed && request.method == "HEAD"});
  if (replies.responses.empty()) return 0;  // the request is not complete yet
  FUZZ_CHECK(replies.responses.size() == 1,
             "more than one answer on a websocket-only connection: " + shown(whole.bytes, 300));
  const http::ParsedResponse& answer = replies.responses.front();
  if (answer.status == 101) {
    FUZZ_CHECK(parsed, "101 for a request our parser does not complete");
    check_acceptable(request);
    const std::string key = *request.find_header("Sec-WebSocket-Key");
    FUZZ_CHECK(websocket::is_valid_key(key), "101 for an invalid key " + shown(key));
    const std::string problem = websocket::verify_server_handshake(101, answer.headers, key);
    FUZZ_CHECK(problem.empty(), "the 101 fails the client-side check: " + problem);
    decode_server_frames(replies.after_upgrade);
    return 0;
  }
  if (answer.status == 426) {
    const std::string* version = answer.find_header("Sec-WebSocket-Version");
    FUZZ_CHECK(version != nullptr && *version == "13", "426 without Sec-WebSocket-Version: 13");
  }
  FUZZ_CHECK(answer.status >= 400, "status " + std::to_string(answer.status) + " to a handshake");
  FUZZ_CHECK(!answer.keep_alive && whole.closed, "a refused handshake must close the connection");
  return 0;
}
