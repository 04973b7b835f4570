// Incremental decoder of the chunked transfer coding (RFC 9112 section 7.1), shared by the
// request parser (server side) and the response parser (client side).
//
//   chunked-body = *chunk last-chunk trailer-section CRLF
//   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//
// Chunk extensions are accepted and ignored; trailer fields are checked for syntax and dropped
// (RFC 9110 6.5.1 forbids merging them into the header section without a reason to). Chunk
// data is appended straight to the caller's body string, one copy.
//
// Refusals, all with status 400 unless noted: a size that is not 1*HEXDIG (`zz`, `-1`, empty),
// more than 16 hex digits (so no arithmetic can overflow), whitespace after the size that is
// not followed by `;` (`a ` then CRLF), a bare CR or LF, chunk data not followed by CRLF, a
// size line over 4 KiB; a body growing past max_body -> 413, decided from the chunk size before
// the chunk's data is read; trailers over max_trailer bytes -> 431.
//
// Thread-safety: one message's state, used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/http/status.h"

namespace archbench::http {

class ChunkedDecoder {
 public:
  ChunkedDecoder(std::size_t max_body, std::size_t max_trailer)
      : max_body_(max_body), max_trailer_(max_trailer) {}

  enum class Status { kNeedMore, kDone, kError };
  struct Result {
    Status status;
    std::size_t consumed;  // bytes of data used; after kDone the rest belongs to the next message
  };

  // Decodes a prefix of data, appending chunk data to `body` (whose size counts toward
  // max_body). Everything up to the end of the chunked body is consumed; any split works.
  Result feed(std::string_view data, std::string& body);

  // After kError: why.
  const ParseError& error() const { return error_; }

  void reset();

  static constexpr std::size_t kMaxSizeLine = 4096;
  static constexpr std::size_t kMaxHexDigits = 16;

 private:
  enum class State { kSizeLine, kData, kDataCr, kDataLf, kTrailerLine, kDone, kError };

  // Takes bytes up to and including the next LF into a complete line (CRLF removed). Returns
  // false when the line is not complete yet (all of data consumed) or on error.
  bool take_line(std::string_view data, std::size_t& used, std::size_t limit,
                 std::string_view& line);
  bool on_size_line(std::string_view line, std::size_t body_size);
  bool on_trailer_line(std::string_view line);
  Result fail(int status, std::string_view reason, std::size_t used);

  std::size_t max_body_;
  std::size_t max_trailer_;
  State state_ = State::kSizeLine;
  std::uint64_t remaining_ = 0;    // data bytes left in the current chunk
  std::size_t trailer_bytes_ = 0;  // trailer section so far
  std::string line_;               // a size or trailer line split across feeds
  ParseError error_;
};

}  // namespace archbench::http
