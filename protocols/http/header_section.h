// The header section of an HTTP/1.1 message (RFC 9112 section 2.1): the start line, the field
// lines and the empty line that ends them. Shared by the request and the response parser.
//
// Strategy: the parsers never run a byte-at-a-time state machine over the header section.
// When a section arrives in one read, which is nearly always, one vectorised pass over the
// caller's bytes (SSE2, 16 at a time) finds the empty line that ends it, validates every byte up
// to there and records where each line ends; the parsers then split lines by index without
// searching again and copy only the strings a Request keeps. A section split across reads is
// copied into a buffer bounded by the section limit, its end found by an incremental search for
// LF (byte_search.h) that resumes where the last one stopped, and then given the same pass.
//
// Line endings: this suite requires CRLF. RFC 9112 2.2 lets a recipient accept a bare LF, but
// a lone LF or CR is also the classic request-smuggling lever (two parsers disagreeing on where
// a line ends), so both are answered with 400, like the CONFORMANCE.md row "bare CR".
//
// Thread-safety: HeaderSectionReader is one message's state, used by one thread at a time.
// The free functions are pure.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/http/status.h"

namespace archbench::http {

namespace detail {
// tchar of RFC 9110 5.6.2: "!#$%&'*+-.^_`|~", digits and letters.
inline constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();
}  // namespace detail

inline bool is_token_char(char c) { return detail::kTokenChars[static_cast<unsigned char>(c)]; }

// Finds the end of one header section across any number of feeds.
class HeaderSectionReader {
 public:
  // max_size bounds the whole section, final CRLF CRLF included.
  explicit HeaderSectionReader(std::size_t max_size) : max_size_(max_size) {}

  enum class Status {
    kNeedMore,   // all of data was consumed (kept in the buffer); feed more
    kComplete,   // section() is ready; `consumed` bytes of data belonged to it
    kTooLarge,   // no end within max_size bytes
  };
  struct Result {
    Status status;
    std::size_t consumed;
  };

  Result feed(std::string_view data);

  // After kComplete: the section, up to and including the LF of the empty line. Points into the
  // data of the last feed() or into this reader's buffer: valid until the next feed() or reset().
  std::string_view section() const { return section_; }
  // After kComplete: false when the section holds a control character (other than HTAB), a CR
  // not followed by LF or an LF not preceded by CR; error() then says which (status 400).
  bool valid() const { return valid_; }
  const ParseError& error() const { return error_; }
  // After kComplete and valid(): the lines, CRLF removed. line(0) is the start line and
  // line(line_count() - 1) the empty line that ends the section.
  std::size_t line_count() const { return line_ends_.size(); }
  std::string_view line(std::size_t k) const {
    std::size_t start = k == 0 ? 0 : line_ends_[k - 1] + 1;
    return section_.substr(start, line_ends_[k] - 1 - start);
  }
  // The bytes buffered so far while the section is incomplete (to classify an oversize one).
  std::string_view buffered() const { return buffer_; }

  void reset();

 private:
  std::size_t max_size_;
  std::string buffer_;        // a section split across feeds; empty on the fast path
  std::size_t scan_from_ = 0; // where the search in buffer_ resumes
  std::string_view section_;
  bool valid_ = false;
  ParseError error_;
  std::vector<std::uint32_t> line_ends_;  // offset of each line's LF in section_
};

// Checks every byte of one complete section (as HeaderSectionReader does): no control
// characters other than HTAB, every CR followed by LF and every LF preceded by CR. Returns false
// and sets `error` (400) otherwise, or when `section` does not end with its first empty line.
bool validate_section_bytes(std::string_view section, ParseError& error);

// Splits one field line (its CRLF removed) into name and value (RFC 9112 5): the name is a
// token directly followed by ':' (no whitespace before the colon, none before the name, which
// also refuses obs-fold continuation lines); the value loses its leading and trailing SP/HTAB.
// Assumes validate_section_bytes passed (no control characters in the line).
bool split_field_line(std::string_view line, std::string_view& name, std::string_view& value,
                      ParseError& error);

// Removes leading and trailing SP and HTAB (OWS).
std::string_view trim_ows(std::string_view s);

}  // namespace archbench::http
