// Finding one byte value in a short span, inlined.
//
// The parsers look for LF (and '%', '?') in lines that are typically 10 to 150 bytes long.
// glibc's memchr is fast on long inputs, but for spans this short its call and set-up cost
// dominated the profile of a small GET (a fifth of the parse time). This inline SSE2 loop has
// no call and no alignment prologue; it only loads 16 bytes when all 16 lie inside the span.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace archbench::http {

// The offset of the first `c` in p[0, n), or n when there is none.
inline std::size_t find_byte(const char* p, std::size_t n, char c) {
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i needle = _mm_set1_epi8(c);
  for (; i + 16 <= n; i += 16) {
    __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    int mask = _mm_movemask_epi8(_mm_cmpeq_epi8(block, needle));
    if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  for (; i < n; ++i) {
    if (p[i] == c) return i;
  }
  return n;
}

}  // namespace archbench::http
