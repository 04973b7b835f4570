// HTTP status codes: the reason phrases this suite sends, and the error value the parsers return.
//
// Thread-safety: constants and pure functions.
#pragma once

#include <string_view>

namespace archbench::http {

// The reason phrase of RFC 9110 section 15 for the codes this suite uses; "Unknown" otherwise.
// (Clients must ignore the phrase, but people read it in logs and curl -v.)
std::string_view reason_phrase(int status);

// Why a message was refused: the status to answer with and a short human-readable reason (for
// the response body and the server log). The reason points to a string literal, so a parser
// error costs no allocation.
struct ParseError {
  int status = 0;
  std::string_view reason;
};

}  // namespace archbench::http
