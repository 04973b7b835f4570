// Checks what an HTTP server session wrote, as our own client-side parser reads it.
//
// parse_server_replies() splits the bytes into responses with http::ResponseParser and
// FUZZ_CHECKs what every reply of this server must satisfy whatever the request was: it parses,
// the stream ends exactly at a response boundary, every final response carries Server and Date,
// nothing follows a "Connection: close" response, and nothing but WebSocket frames follows a
// 101. The caller says which replies answer HEAD (they have a Content-Length but no body), as
// the request side knows: request_methods() parses the same input with the server's limits.
//
// Thread-safety: plain functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "protocols/http/request_parser.h"
#include "protocols/http/response_parser.h"

namespace archbench::fuzz {

struct ServerReplies {
  std::vector<http::ParsedResponse> responses;  // final responses, in order (a 101 included)
  std::size_t interim = 0;                      // 100 Continue responses skipped
  bool upgraded = false;                        // the last response is a 101
  std::string_view after_upgrade;               // the bytes after the 101 (WebSocket frames)
};

// `head_requests[i]`: the i-th final response answers HEAD (beyond the vector: not HEAD).
ServerReplies parse_server_replies(std::string_view bytes, const std::vector<bool>& head_requests);

// The methods of the requests a RequestParser with these limits completes in `input`, in order,
// up to the first error.
std::vector<std::string> request_methods(std::string_view input, const http::RequestLimits& limits);

// `bytes` without any "HTTP/1.1 100 Continue" interim response: whether one is sent depends on
// where a read ends (RequestParser::take_expect_continue), so whole-vs-split comparisons drop it.
std::string without_continues(std::string_view bytes);

}  // namespace archbench::fuzz
