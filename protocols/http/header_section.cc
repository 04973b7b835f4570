#include "protocols/http/header_section.h"

#include "protocols/http/byte_search.h"

#include <algorithm>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace archbench::http {
namespace {

constexpr std::size_t kNotFound = static_cast<std::size_t>(-1);

// Looks for the empty line that ends a section in p[from, n). Returns the offset just past it,
// or kNotFound with `resume` set to where a later search (with more bytes) must restart.
// "\n\r\n" is the normal end; "\n\n" is also taken as an end so that a section with bare LFs is
// refused at once (by validation) instead of waiting for the size limit.
std::size_t find_section_end(const char* p, std::size_t n, std::size_t from, std::size_t& resume) {
  std::size_t i = from;
  while (i < n) {
    std::size_t lf = i + find_byte(p + i, n - i, '\n');
    if (lf == n) break;
    if (lf + 1 >= n) {
      resume = lf;
      return kNotFound;
    }
    if (p[lf + 1] == '\n') return lf + 2;
    if (p[lf + 1] == '\r') {
      if (lf + 2 >= n) {
        resume = lf;
        return kNotFound;
      }
      if (p[lf + 2] == '\n') return lf + 3;
    }
    i = lf + 1;
  }
  resume = n;
  return kNotFound;
}

// True for the bytes no header section may contain: controls other than HTAB, CR, LF; and DEL.
inline bool is_forbidden_control(unsigned char c) {
  return (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f;
}

// The one pass over a header section. Finds the first empty line after the start line ("\r\n",
// or a bare "\n" so that such a section is refused at once instead of waiting for the size
// limit), validates every byte up to it and records the offset of every LF in `ends`. Returns
// the offset just past the empty line's LF, or kNotFound when p[0, n) holds no complete section
// (then `valid`, `error` and `ends` mean nothing). Errors after the end are not errors of this
// section: those bytes belong to the body or the next message.
std::size_t scan_section(const char* p, std::size_t n, std::vector<std::uint32_t>& ends,
                         bool& valid, ParseError& error) {
  ends.clear();
  std::size_t first_bad = kNotFound;       // first forbidden control character
  std::size_t first_mismatch = kNotFound;  // first CR without LF after it, or LF without CR
  std::size_t previous_lf = kNotFound;
  auto ends_section = [&](std::size_t lf) __attribute__((always_inline)) {
    bool end = previous_lf != kNotFound &&
               (lf - previous_lf == 1 || (lf - previous_lf == 2 && p[lf - 1] == '\r'));
    ends.push_back(static_cast<std::uint32_t>(lf));
    previous_lf = lf;
    return end;
  };
  auto finish = [&](std::size_t lf) __attribute__((always_inline)) {
    valid = first_bad > lf && first_mismatch > lf;
    if (first_bad <= lf) {
      error = {400, "control character in header section"};
    } else if (first_mismatch <= lf) {
      error = {400, "bare CR or LF in header section"};
    }
    return lf + 1;
  };
  std::size_t i = 0;
  bool previous_cr = false;  // the byte before position i was a CR
#if defined(__SSE2__)
  // 16 bytes at a time: one mask of forbidden controls, one of CRs and one of LFs. "Every CR is
  // followed by LF and every LF preceded by CR" is exactly: (CR mask shifted by one) == LF mask,
  // with the last CR of a block carried into the next.
  const __m128i k0x20 = _mm_set1_epi8(0x20);
  const __m128i kMinus1 = _mm_set1_epi8(-1);
  const __m128i kDel = _mm_set1_epi8(0x7f);
  const __m128i kTab = _mm_set1_epi8('\t');
  const __m128i kCr = _mm_set1_epi8('\r');
  const __m128i kLf = _mm_set1_epi8('\n');
  // Classifies the 16 bytes at p + base; bits below `skip` (bytes an earlier block already
  // covered) are dropped. Returns true when the section ended in this block.
  std::uint32_t carry = 0;
  std::size_t result = kNotFound;
  auto block = [&](std::size_t base, unsigned skip) __attribute__((always_inline)) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + base));
    // Signed compares: bytes >= 0x80 are negative, so "0 <= v < 0x20" needs both tests.
    __m128i control = _mm_and_si128(_mm_cmplt_epi8(v, k0x20), _mm_cmpgt_epi8(v, kMinus1));
    __m128i cr = _mm_cmpeq_epi8(v, kCr);
    __m128i lf = _mm_cmpeq_epi8(v, kLf);
    __m128i allowed = _mm_or_si128(_mm_or_si128(cr, lf), _mm_cmpeq_epi8(v, kTab));
    __m128i bad = _mm_or_si128(_mm_andnot_si128(allowed, control), _mm_cmpeq_epi8(v, kDel));
    auto bad_mask = static_cast<std::uint32_t>(_mm_movemask_epi8(bad)) >> skip;
    auto cr_mask = static_cast<std::uint32_t>(_mm_movemask_epi8(cr));
    auto lf_mask = static_cast<std::uint32_t>(_mm_movemask_epi8(lf));
    std::uint32_t mismatch = ((((cr_mask << 1) | carry) ^ lf_mask) & 0xffff) >> skip;
    carry = cr_mask >> 15;
    lf_mask >>= skip;
    std::size_t first = base + skip;
    if (bad_mask != 0 && first_bad == kNotFound) first_bad = first + __builtin_ctz(bad_mask);
    if (mismatch != 0 && first_mismatch == kNotFound) {
      first_mismatch = first + __builtin_ctz(mismatch);
    }
    for (std::uint32_t m = lf_mask; m != 0; m &= m - 1) {
      std::size_t at = first + __builtin_ctz(m);
      if (ends_section(at)) {
        result = finish(at);
        return true;
      }
    }
    return false;
  };
  for (; i + 16 <= n; i += 16) {
    if (block(i, 0)) return result;
  }
  if (i < n && n >= 16) {
    // The tail as one more block that overlaps bytes already seen, instead of a byte loop.
    // Its own byte before position i supplies the CR carry, so the carry must not be added.
    carry = 0;
    if (block(n - 16, static_cast<unsigned>(i - (n - 16)))) return result;
    return kNotFound;
  }
  previous_cr = carry != 0;
#endif
  for (; i < n; ++i) {
    auto c = static_cast<unsigned char>(p[i]);
    if (first_bad == kNotFound && is_forbidden_control(c)) first_bad = i;
    bool is_lf = c == '\n';
    if (first_mismatch == kNotFound && previous_cr != is_lf) first_mismatch = i;
    previous_cr = c == '\r';
    if (is_lf && ends_section(i)) return finish(i);
  }
  return kNotFound;
}

}  // namespace

HeaderSectionReader::Result HeaderSectionReader::feed(std::string_view data) {
  if (buffer_.empty()) {
    // Fast path: the whole section is usually in the caller's bytes; one pass does it all.
    std::size_t window = std::min(data.size(), max_size_);
    std::size_t end = scan_section(data.data(), window, line_ends_, valid_, error_);
    if (end != kNotFound) {
      section_ = data.substr(0, end);
      return {Status::kComplete, end};
    }
    if (data.size() >= max_size_) return {Status::kTooLarge, 0};
    buffer_.assign(data);
    // No end so far, so none starts before the last three bytes: resume the search there.
    scan_from_ = window >= 3 ? window - 3 : 0;
    return {Status::kNeedMore, data.size()};
  }
  // Slow path: the section started in an earlier feed. Copy no more than the limit allows.
  std::size_t old_size = buffer_.size();
  std::size_t take = std::min(data.size(), max_size_ - old_size);
  buffer_.append(data.data(), take);
  std::size_t resume = 0;
  std::size_t end = find_section_end(buffer_.data(), buffer_.size(), scan_from_, resume);
  if (end != kNotFound) {
    scan_section(buffer_.data(), end, line_ends_, valid_, error_);
    section_ = std::string_view(buffer_).substr(0, end);
    return {Status::kComplete, end - old_size};
  }
  scan_from_ = resume;
  if (buffer_.size() >= max_size_) return {Status::kTooLarge, take};
  return {Status::kNeedMore, take};
}

void HeaderSectionReader::reset() {
  if (!buffer_.empty()) {
    buffer_.clear();
    // A split section that was huge keeps no memory alive between requests.
    if (buffer_.capacity() > 2 * 4096) std::string().swap(buffer_);
  }
  scan_from_ = 0;
  section_ = {};
  valid_ = false;
}

bool validate_section_bytes(std::string_view section, ParseError& error) {
  std::vector<std::uint32_t> ends;
  bool valid = false;
  std::size_t end = scan_section(section.data(), section.size(), ends, valid, error);
  if (end != section.size()) {
    error = {400, "not one complete header section"};
    return false;
  }
  return valid;
}

bool split_field_line(std::string_view line, std::string_view& name, std::string_view& value,
                      ParseError& error) {
  std::size_t i = 0;
  while (i < line.size() && is_token_char(line[i])) ++i;
  if (i == 0) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      // RFC 9112 5.2: obs-fold outside message/http is refused with 400; the same line shape
      // right after the start line is whitespace before the first field (RFC 9112 2.2).
      error = {400, "line folding or whitespace before a field name"};
    } else {
      error = {400, "invalid field name"};
    }
    return false;
  }
  if (i == line.size() || line[i] != ':') {
    if (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
      error = {400, "whitespace between field name and colon"};  // RFC 9112 5.1
    } else {
      error = {400, "invalid character in field name"};
    }
    return false;
  }
  name = line.substr(0, i);
  value = trim_ows(line.substr(i + 1));
  return true;
}

std::string_view trim_ows(std::string_view s) {
  std::size_t begin = 0;
  std::size_t end = s.size();
  while (begin < end && (s[begin] == ' ' || s[begin] == '\t')) ++begin;
  while (end > begin && (s[end - 1] == ' ' || s[end - 1] == '\t')) --end;
  return s.substr(begin, end - begin);
}

}  // namespace archbench::http
