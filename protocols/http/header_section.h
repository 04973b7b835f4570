// The header section of an HTTP/1.1 message (RFC 9112 section 2.1): the start line, the field
// lines and the empty line that ends them. Shared by the request and the response parser.
//
// Strategy: the parsers never run a byte-at-a-time state machine over the header section.
// HeaderSectionReader finds where the section ends (memchr for LF); only then is the whole
// section validated in one vectorised pass (validate_section_bytes) and split into lines. When
// a section arrives in one read, which is nearly always, it is parsed straight from the
// caller's bytes without a copy; only a section split across reads is copied, into a buffer
// bounded by the section limit.
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
#include <string>
#include <string_view>

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
  // The bytes buffered so far while the section is incomplete (to classify an oversize one).
  std::string_view buffered() const { return buffer_; }

  void reset();

 private:
  std::size_t max_size_;
  std::string buffer_;        // a section split across feeds; empty on the fast path
  std::size_t scan_from_ = 0; // where the search in buffer_ resumes
  std::string_view section_;
};

// Checks every byte of a complete section: no control characters other than HTAB, and every CR
// immediately followed by LF and every LF immediately preceded by CR. Returns false and sets
// `error` (400) otherwise. SSE2 on x86-64, a scalar loop elsewhere.
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
