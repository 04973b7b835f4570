// A deliberately naive UTF-8 checker, the reference the fuzz targets hold the real validator
// (protocols/websocket/utf8.h) against.
//
// It works on code points, not byte tables: a lead byte announces a sequence length L, the bytes
// seen so far fix the top bits of the code point, and the sequence is still viable exactly when
// the range of code points those bits allow meets the valid range for length L (U+0080..07FF,
// U+0800..FFFF without the surrogates U+D800..DFFF, U+10000..10FFFF). That yields the same
// fail-fast position RFC 6455 8.1 asks for (the first byte after which no valid continuation
// exists), derived from the definition rather than from the validator's lead-byte tables.
//
// Slow and simple on purpose. Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string_view>

namespace archbench::fuzz {

struct Utf8Scan {
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  // Index of the first byte that makes the prefix unrepairable; kNone when there is none.
  std::size_t first_bad = kNone;
  // No bad byte, but the input ends inside a multi-byte sequence.
  bool truncated = false;

  bool valid() const { return first_bad == kNone && !truncated; }
};

Utf8Scan reference_scan_utf8(std::string_view bytes);

}  // namespace archbench::fuzz
