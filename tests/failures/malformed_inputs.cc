#include "tests/failures/malformed_inputs.h"

#include "protocols/websocket/frame.h"
#include "tests/failures/wire.h"

namespace archbench::failures {
namespace {

using websocket::Opcode;

constexpr std::string_view kHost = "Host: 127.0.0.1\r\n";

std::function<std::string(std::string_view)> refusal(int status) {
  return [status](std::string_view transcript) { return check_http_refusal(transcript, status); };
}

std::function<std::string(std::string_view)> ws_failure(std::uint16_t code,
                                                        std::string echoes = {}) {
  return [code, echoes](std::string_view transcript) {
    return check_websocket_failure(transcript, echoes, code);
  };
}

std::function<std::string(std::string_view)> exactly(std::string expected) {
  return [expected](std::string_view transcript) { return check_exact(transcript, expected); };
}

std::string post_with(std::string_view headers, std::string_view body) {
  return "POST /echo HTTP/1.1\r\n" + std::string(kHost) + std::string(headers) + "\r\n" +
         std::string(body);
}

std::vector<MalformedInput> http_inputs(const StormLimits& limits) {
  const std::string host(kHost);
  return {
      {"request line garbage", "HELLO\r\n\r\n", refusal(400)},
      {"bare LF line ends", "GET / HTTP/1.1\nHost: 127.0.0.1\n\n", refusal(400)},
      {"bare CR in a header", "GET / HTTP/1.1\r\n" + host + "X-A: a\rb\r\n\r\n", refusal(400)},
      {"header section over 8 KiB",
       "GET / HTTP/1.1\r\n" + host + "X-Big: " + std::string(9000, 'b') + "\r\n\r\n", refusal(431)},
      {"request target over 4 KiB",
       "GET /" + std::string(6000, 't') + " HTTP/1.1\r\n" + host + "\r\n", refusal(414)},
      {"Content-Length +5", post_with("Content-Length: +5\r\n", "abcde"), refusal(400)},
      {"Content-Length 10^21", post_with("Content-Length: 1000000000000000000000\r\n", "ab"),
       refusal(400)},
      {"two different Content-Lengths",
       post_with("Content-Length: 4\r\nContent-Length: 5\r\n", "abcde"), refusal(400)},
      {"Content-Length over the body limit (no body sent)",
       post_with("Content-Length: " + std::to_string(limits.package_max_length + 1) + "\r\n", ""),
       refusal(413)},
      {"chunk size zz", post_with("Transfer-Encoding: chunked\r\n", "zz\r\nabcd\r\n0\r\n\r\n"),
       refusal(400)},
      {"chunk size of 17 hex digits",
       post_with("Transfer-Encoding: chunked\r\n", "fffffffffffffffff\r\nab\r\n0\r\n\r\n"),
       refusal(400)},
      {"chunk data without CRLF",
       post_with("Transfer-Encoding: chunked\r\n", "4\r\nabcdXX0\r\n\r\n"), refusal(400)},
      {"unknown transfer coding", post_with("Transfer-Encoding: pigeons\r\n", ""), refusal(501)},
      {"HTTP/2.0 request line", "GET / HTTP/2.0\r\n" + host + "\r\n", refusal(505)},
      {"HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", refusal(400)},
      {"obs-fold", "GET / HTTP/1.1\r\n" + host + "X-Fold: a\r\n b\r\n\r\n", refusal(400)},
      // After the regression input fuzz/corpus/http_session/crash-head_upgrade_refusal_has_body:
      // an upgrade must be a GET (400), and the refusal of a HEAD carries no body (it would be
      // read as the start of the next response).
      {"upgrade request with HEAD",
       "HEAD /chat HTTP/1.1\r\n" + host + "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
           "Sec-WebSocket-Key: " + std::string(kWebSocketKey) +
           "\r\nSec-WebSocket-Version: 13\r\n\r\n",
       [](std::string_view transcript) { return check_http_refusal(transcript, 400, true); }},
      {"upgrade with WebSocket version 8", websocket_handshake({}, "8"), refusal(426)},
      // In http mode an upgrade switches the connection to WebSocket: its frame rules apply.
      {"upgrade in http mode, then an unmasked frame",
       websocket_handshake() + unmasked_frame(Opcode::kText, "hi"), ws_failure(1002)},
      {"good request, then a bad version", http_get("/") + "GET / HTTP/9.9\r\n" + host + "\r\n",
       [](std::string_view transcript) {
         http::ParsedResponse first;
         std::size_t used = 0;
         std::string problem = parse_first_response(transcript, first, used);
         if (problem.empty() && (first.status != 200 || first.body != "Hello World")) {
           problem = "the good request got " + std::to_string(first.status) + " \"" +
                     printable(first.body) + "\"";
         }
         return problem.empty() ? check_http_refusal(transcript.substr(used), 505)
                                : "before the 505: " + problem;
       }},
  };
}

std::vector<MalformedInput> websocket_inputs(const StormLimits& limits) {
  const std::string open = websocket_handshake();
  return {
      {"unmasked client frame", open + unmasked_frame(Opcode::kText, "hi"), ws_failure(1002)},
      {"RSV1 set without an extension", open + raw_masked_frame(0xc1, "hi"), ws_failure(1002)},
      {"reserved data opcode 3", open + raw_masked_frame(0x83, "hi"), ws_failure(1002)},
      {"reserved control opcode 11", open + raw_masked_frame(0x8b, ""), ws_failure(1002)},
      {"ping with 126 bytes", open + masked_frame(Opcode::kPing, std::string(126, 'p')),
       ws_failure(1002)},
      {"continuation with nothing to continue",
       open + masked_frame(Opcode::kContinuation, "orphan"), ws_failure(1002)},
      {"close code 999", open + masked_frame(Opcode::kClose, std::string("\x03\xe7", 2)),
       ws_failure(1002)},
      {"invalid UTF-8 in text", open + masked_frame(Opcode::kText, "ok\xff"), ws_failure(1007)},
      {"message over --ws-max-message (header only)",
       open + masked_frame(Opcode::kText, "first") +
           masked_frame_header(Opcode::kBinary, limits.ws_max_message + 1),
       ws_failure(1009, unmasked_frame(Opcode::kText, "first"))},
      {"handshake with version 8", websocket_handshake({}, "8"), refusal(426)},
      {"handshake without a key",
       "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
       "Sec-WebSocket-Version: 13\r\n\r\n",
       refusal(400)},
  };
}

std::vector<MalformedInput> length_inputs(const StormLimits& limits) {
  return {
      {"length 0x7fffffff", length_header(0x7fffffff), exactly("")},
      {"length one over the limit",
       length_header(static_cast<std::uint32_t>(limits.package_max_length + 1)) + "xyz",
       exactly("")},
      {"an HTTP request sent to the length protocol", http_get("/"), exactly("")},
      {"a good frame, then length 0xffffffff", length_frame("good") + length_header(0xffffffff),
       exactly(length_frame("good"))},
  };
}

std::vector<MalformedInput> eof_inputs(const StormLimits& limits) {
  return {
      {"message over the limit, no delimiter", std::string(limits.eof_max_length + 100, 'x'),
       exactly("")},
      {"a good message, then one over the limit",
       "fine\r\n" + std::string(limits.eof_max_length + 100, 'y'), exactly("fine\r\n")},
  };
}

}  // namespace

std::vector<std::string> storm_server_flags(const std::string& protocol,
                                            const StormLimits& limits) {
  if (protocol == "websocket") return {"--ws-max-message", std::to_string(limits.ws_max_message)};
  if (protocol == "eof") return {"--package-max-length", std::to_string(limits.eof_max_length)};
  return {"--package-max-length", std::to_string(limits.package_max_length)};
}

std::vector<MalformedInput> malformed_inputs(const std::string& protocol,
                                             const StormLimits& limits) {
  if (protocol == "http") return http_inputs(limits);
  if (protocol == "websocket") return websocket_inputs(limits);
  if (protocol == "length") return length_inputs(limits);
  if (protocol == "eof") return eof_inputs(limits);
  return {};
}

}  // namespace archbench::failures
