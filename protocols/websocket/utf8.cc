#include "protocols/websocket/utf8.h"

#include <cstring>

namespace archbench::websocket {
namespace {

constexpr std::uint64_t kHighBits = 0x8080808080808080ull;

// Length of the leading run of ASCII bytes, checked 8 at a time: text messages are mostly
// ASCII, and testing one 64-bit word for any high bit is far cheaper than the state machine.
std::size_t ascii_prefix(const unsigned char* p, std::size_t n) {
  std::size_t i = 0;
  while (i + 8 <= n) {
    std::uint64_t word;
    std::memcpy(&word, p + i, 8);  // unaligned-safe; compiles to one load
    if (word & kHighBits) break;
    i += 8;
  }
  while (i < n && p[i] < 0x80) ++i;
  return i;
}

}  // namespace

bool Utf8Validator::feed(std::string_view bytes) {
  if (failed_) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  std::size_t i = 0;
  while (i < n) {
    if (remaining_ == 0) {
      i += ascii_prefix(p + i, n - i);
      if (i == n) break;
      const unsigned char lead = p[i++];
      // Lead bytes per RFC 3629 section 4; the first continuation's range encodes the
      // exclusions (overlong / surrogate / above U+10FFFF).
      next_low_ = 0x80;
      next_high_ = 0xBF;
      if (lead >= 0xC2 && lead <= 0xDF) {
        remaining_ = 1;
      } else if (lead == 0xE0) {
        remaining_ = 2;
        next_low_ = 0xA0;  // E0 80..9F would be overlong
      } else if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) {
        remaining_ = 2;
      } else if (lead == 0xED) {
        remaining_ = 2;
        next_high_ = 0x9F;  // ED A0..BF are the surrogates U+D800..DFFF
      } else if (lead == 0xF0) {
        remaining_ = 3;
        next_low_ = 0x90;  // F0 80..8F would be overlong
      } else if (lead >= 0xF1 && lead <= 0xF3) {
        remaining_ = 3;
      } else if (lead == 0xF4) {
        remaining_ = 3;
        next_high_ = 0x8F;  // F4 90.. is above U+10FFFF
      } else {
        // 80..BF (continuation without a lead), C0/C1 (always overlong), F5..FF.
        failed_ = true;
        return false;
      }
      continue;
    }
    const unsigned char c = p[i++];
    if (c < next_low_ || c > next_high_) {
      failed_ = true;
      return false;
    }
    next_low_ = 0x80;
    next_high_ = 0xBF;
    --remaining_;
  }
  return true;
}

bool is_valid_utf8(std::string_view bytes) {
  Utf8Validator v;
  return v.feed(bytes) && v.complete();
}

}  // namespace archbench::websocket
