// Incremental HTTP/1.1 response parser (RFC 9112), client side: what the load client and the
// conformance client use to verify every reply.
//
// Any split works, and pipelined responses follow each other in one buffer (feed() stops at
// the end of each). The body is framed by RFC 9112 6.3, in this order:
//   1. a response to HEAD, any 1xx, 204 and 304 have no body;
//   2. Transfer-Encoding with chunked as the only coding -> chunked (trailers dropped);
//      Transfer-Encoding without chunked last -> read until the connection closes;
//      another coding before chunked -> error (nothing here decompresses);
//   3. Content-Length (the same checks as requests: 1*DIGIT, duplicates must agree);
//   4. otherwise until the connection closes: call finish() when the peer closes.
// Interim 1xx responses are returned like any other (status 100..199, no body); the caller
// skips them or, for 101, stops speaking HTTP.
//
// Errors carry a ParseError whose status is only a classification (400 malformed, 413 body
// over the limit, 431 header section over the limit, 505 other major version).
//
// Thread-safety: one connection's state, used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/http/chunked_decoder.h"
#include "protocols/http/header_section.h"
#include "protocols/http/request.h"
#include "protocols/http/status.h"

namespace archbench::http {

struct ParsedResponse {
  int status = 0;
  std::string reason;
  int version_minor = 1;
  std::vector<Header> headers;
  std::string body;
  // Whether the connection stays open after this response (version, Connection header, and
  // false for a close-delimited body).
  bool keep_alive = true;

  // The first header with this name (case-insensitive), or nullptr.
  const std::string* find_header(std::string_view name) const;
};

struct ResponseLimits {
  std::size_t max_header_section = 64 * 1024;
  std::size_t max_body = std::numeric_limits<std::size_t>::max();
};

class ResponseParser {
 public:
  explicit ResponseParser(const ResponseLimits& limits = {});

  enum class Status { kNeedMore, kComplete, kError };
  struct Result {
    Status status;
    std::size_t consumed;
  };

  // Tells the parser that the next response answers a HEAD request (so it has no body). Call
  // before the response's first byte is fed; reset() clears it.
  void expect_head_response(bool head) { head_ = head; }

  // Parses a prefix of data; after kComplete the rest belongs to the next response.
  Result feed(std::string_view data);

  // The peer closed the connection. kComplete: a close-delimited body is now complete.
  // kNeedMore: no response was in progress (a clean close between responses). kError: the
  // response in progress was cut short.
  Status finish();

  // Valid after kComplete (or finish() == kComplete), until reset(). Callers may move from it.
  ParsedResponse& response() { return response_; }
  const ParseError& error() const { return error_; }

  void reset();

 private:
  enum class State { kHeader, kBodyLength, kBodyChunked, kBodyUntilClose, kComplete, kError };

  bool on_header_section();
  Result fail(ParseError error, std::size_t consumed);

  ResponseLimits limits_;
  State state_ = State::kHeader;
  bool head_ = false;
  bool started_ = false;  // a byte of the current response has arrived
  HeaderSectionReader section_reader_;
  ChunkedDecoder chunked_;
  std::uint64_t body_remaining_ = 0;
  ParsedResponse response_;
  ParseError error_;
};

}  // namespace archbench::http
