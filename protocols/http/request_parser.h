// Incremental HTTP/1.1 request parser (RFC 9112), server side.
//
// Feed it bytes as they arrive, any split (one byte at a time works), many pipelined requests
// in one buffer: feed() stops at the end of each request and says how much it consumed, so the
// caller feeds the rest again after reset(). It produces a complete http::Request, body
// de-chunked, or a ParseError carrying the exact status to answer with:
//
//   400  malformed request line, version, field line (obs-fold, space before colon, whitespace
//        before the first field, bare CR/LF, control characters), bad target, missing Host in
//        HTTP/1.1 or more than one Host, ambiguous framing (Content-Length with
//        Transfer-Encoding, differing Content-Length values, chunked not last or repeated,
//        Transfer-Encoding in HTTP/1.0), Content-Length not 1*DIGIT or over 2^64, bad chunks
//   413  Content-Length over max_body: decided from the header section, before a byte of the
//        body is read; a chunked body growing past max_body
//   414  request-target over max_target (4 KiB by default)
//   431  header section, request line included, over max_header_section (8 KiB by default)
//   501  a transfer coding other than chunked (`pigeons`, `gzip, chunked`)
//   505  a major version other than 1
//
// Bounds: the 4 KiB target bound sits inside the 8 KiB section bound so that a long target is
// told apart from many headers; a request line that alone overflows 8 KiB is classified by
// what overflowed (414 when the target is the long part, else 431).
//
// Speed: the header section is parsed only once it is complete (see header_section.h), from
// the caller's bytes when it arrived in one piece. The Request is reused across requests:
// reset() keeps the capacity of its strings and header entries, so a connection's steady state
// parses without allocating.
//
// Thread-safety: one connection's state, used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocols/http/chunked_decoder.h"
#include "protocols/http/header_section.h"
#include "protocols/http/request.h"
#include "protocols/http/status.h"

namespace archbench::http {

struct RequestLimits {
  std::size_t max_body = 2u << 20;  // ProtocolConfig::package_max_length
  std::size_t max_header_section = 8192;
  std::size_t max_target = 4096;
};

class RequestParser {
 public:
  explicit RequestParser(const RequestLimits& limits);

  enum class Status {
    kNeedMore,  // all of data consumed; feed more
    kComplete,  // request() is ready; the bytes after `consumed` belong to the next request
    kError,     // error() says what to answer; the connection must close after it
  };
  struct Result {
    Status status;
    std::size_t consumed;
  };

  // Parses a prefix of data. After kComplete or kError, feed() returns the same status and
  // consumes nothing until reset().
  Result feed(std::string_view data);

  // Valid after kComplete, until reset(). Callers may read, modify or move from it.
  Request& request() { return request_; }
  const ParseError& error() const { return error_; }

  // True once per request when the client sent "Expect: 100-continue" (HTTP/1.1) and the
  // header section is parsed but no body byte has arrived: the server should send
  // "100 Continue" now (RFC 9110 10.1.1). Calling it clears the flag.
  bool take_expect_continue();

  // True while part of a header section, and not all of it, has been fed: at least one byte of
  // the request line arrived (empty lines before it do not count) and the empty line that ends
  // the section has not. What the header timeout (request_clock.h) watches.
  bool in_header_section() const { return state_ == State::kHeader; }
  // How many bytes of that incomplete section were fed so far (0 when not in_header_section()).
  std::size_t header_bytes() const {
    return state_ == State::kHeader ? section_reader_.buffered().size() : 0;
  }

  // True when no byte of a request has been fed since the last one completed (empty lines
  // aside): the connection is between requests, which is when the keep-alive timeout runs.
  bool between_requests() const { return state_ == State::kStart || state_ == State::kStartCr; }

  // True while a body is being received: the header section is complete, the body is not.
  // What the body timeout (request_clock.h) watches.
  bool in_body() const { return state_ == State::kBodyLength || state_ == State::kBodyChunked; }
  // Body bytes received so far (de-chunked) while in_body(), else 0.
  std::size_t body_bytes() const { return in_body() ? request_.body.size() : 0; }

  // Forgets the current request and gets ready for the next one, keeping allocations.
  void reset();

 private:
  enum class State { kStart, kStartCr, kHeader, kBodyLength, kBodyChunked, kComplete, kError };

  // Parses the complete header section in section_reader_ and decides the body framing.
  bool on_header_section();
  Result fail(ParseError error, std::size_t consumed);

  RequestLimits limits_;
  State state_ = State::kStart;
  HeaderSectionReader section_reader_;
  ChunkedDecoder chunked_;
  std::uint64_t body_remaining_ = 0;
  bool expect_continue_ = false;
  Request request_;
  ParseError error_;
};

}  // namespace archbench::http
