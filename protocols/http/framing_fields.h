// The few header fields that decide how a message is framed and how the connection goes on:
// Content-Length, Transfer-Encoding, Connection, Host and Expect. The parsers hand every field
// line to FramingFields::note() as they split the header section; the decisions
// (RFC 9112 6.3) are then made once, from this summary, without a second pass over the headers.
//
// Thread-safety: a plain value; no shared state.
#pragma once

#include <cstdint>
#include <string_view>

#include "protocols/http/status.h"

namespace archbench::http {

struct FramingFields {
  int host_count = 0;

  bool has_content_length = false;
  std::uint64_t content_length = 0;

  // Transfer-Encoding, all its field lines read as one list (RFC 9110 5.3).
  bool has_transfer_encoding = false;
  int coding_count = 0;
  int chunked_count = 0;
  bool chunked_last = false;   // the last coding listed is chunked
  bool unknown_coding = false; // a coding other than chunked, gzip, deflate, compress

  bool connection_close = false;
  bool connection_keep_alive = false;
  bool connection_upgrade = false;
  bool expect_continue = false;

  // Records one field line. False (with error set, status 400) when a framing field's value is
  // malformed: Content-Length not a comma list of identical 1*DIGIT values that fit in 64 bits
  // (`+5`, `4 2`, empty, 10^21) or differing from an earlier Content-Length line; an empty
  // Transfer-Encoding; a Host value with characters no host can contain.
  bool note(std::string_view name, std::string_view value, ParseError& error);
};

}  // namespace archbench::http
