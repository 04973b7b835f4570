// Incremental UTF-8 validation (RFC 3629) for WebSocket text messages and close reasons.
//
// RFC 6455 8.1 asks an endpoint to fail the connection as soon as a text message is known to be
// invalid, which can happen in the middle of a frame or across fragment boundaries. So the
// validator keeps the state of one partly-read code point between feed() calls and reports the
// first byte that can no longer start or continue a valid sequence.
//
// It rejects what RFC 3629 forbids: overlong forms (C0, C1, E0 80..9F, F0 80..8F), surrogates
// (ED A0..BF = U+D800..DFFF), code points above U+10FFFF (F4 90.., F5..FF), stray continuation
// bytes, and (via complete()) a sequence cut off at the end of the message.
//
// Thread-safety: a plain value; one thread at a time.
#pragma once

#include <cstdint>
#include <string_view>

namespace archbench::websocket {

class Utf8Validator {
 public:
  // Validates the next bytes of the stream. Returns false as soon as the stream is invalid and
  // keeps returning false (the failure is sticky until reset()).
  bool feed(std::string_view bytes);

  // True when every byte fed so far is valid and no code point is left half-read: the check to
  // make at the end of a message.
  bool complete() const { return !failed_ && remaining_ == 0; }
  bool failed() const { return failed_; }

  // Starts a new stream (a new message).
  void reset() {
    remaining_ = 0;
    failed_ = false;
  }

 private:
  // Continuation bytes still expected for the current code point (0..3).
  std::uint8_t remaining_ = 0;
  // The allowed range of the *next* continuation byte. Only the first continuation byte after a
  // lead byte is narrower than 80..BF; that is how overlongs, surrogates and > U+10FFFF are caught
  // without ever assembling the code point.
  std::uint8_t next_low_ = 0x80;
  std::uint8_t next_high_ = 0xBF;
  bool failed_ = false;
};

// Whole-string check: feed + complete.
bool is_valid_utf8(std::string_view bytes);

}  // namespace archbench::websocket
