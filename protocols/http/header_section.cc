#include "protocols/http/header_section.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

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
    const void* hit = std::memchr(p + i, '\n', n - i);
    if (hit == nullptr) break;
    std::size_t lf = static_cast<const char*>(hit) - p;
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

}  // namespace

HeaderSectionReader::Result HeaderSectionReader::feed(std::string_view data) {
  std::size_t resume = 0;
  if (buffer_.empty()) {
    // Fast path: nothing buffered, search the caller's bytes directly.
    std::size_t window = std::min(data.size(), max_size_);
    std::size_t end = find_section_end(data.data(), window, 0, resume);
    if (end != kNotFound) {
      section_ = data.substr(0, end);
      return {Status::kComplete, end};
    }
    if (data.size() >= max_size_) return {Status::kTooLarge, 0};
    buffer_.assign(data);
    scan_from_ = resume;
    return {Status::kNeedMore, data.size()};
  }
  // Slow path: the section started in an earlier feed. Copy no more than the limit allows.
  std::size_t old_size = buffer_.size();
  std::size_t take = std::min(data.size(), max_size_ - old_size);
  buffer_.append(data.data(), take);
  std::size_t end = find_section_end(buffer_.data(), buffer_.size(), scan_from_, resume);
  if (end != kNotFound) {
    section_ = std::string_view(buffer_).substr(0, end);
    return {Status::kComplete, end - old_size};
  }
  scan_from_ = resume;
  if (buffer_.size() >= max_size_) return {Status::kTooLarge, take};
  return {Status::kNeedMore, take};
}

void HeaderSectionReader::reset() {
  buffer_.clear();
  // A split section that was huge keeps no memory alive between requests.
  if (buffer_.capacity() > 2 * 4096) std::string().swap(buffer_);
  scan_from_ = 0;
  section_ = {};
}

bool validate_section_bytes(std::string_view section, ParseError& error) {
  const auto* p = reinterpret_cast<const unsigned char*>(section.data());
  const std::size_t n = section.size();
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
  std::uint32_t carry = 0;
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    // Signed compares: bytes >= 0x80 are negative, so "0 <= v < 0x20" needs both tests.
    __m128i control = _mm_and_si128(_mm_cmplt_epi8(v, k0x20), _mm_cmpgt_epi8(v, kMinus1));
    __m128i cr = _mm_cmpeq_epi8(v, kCr);
    __m128i lf = _mm_cmpeq_epi8(v, kLf);
    __m128i allowed = _mm_or_si128(_mm_or_si128(cr, lf), _mm_cmpeq_epi8(v, kTab));
    __m128i bad = _mm_or_si128(_mm_andnot_si128(allowed, control), _mm_cmpeq_epi8(v, kDel));
    if (_mm_movemask_epi8(bad) != 0) {
      error = {400, "control character in header section"};
      return false;
    }
    auto cr_mask = static_cast<std::uint32_t>(_mm_movemask_epi8(cr));
    auto lf_mask = static_cast<std::uint32_t>(_mm_movemask_epi8(lf));
    if ((((cr_mask << 1) | carry) & 0xffff) != lf_mask) {
      error = {400, "bare CR or LF in header section"};
      return false;
    }
    carry = cr_mask >> 15;
  }
  previous_cr = carry != 0;
#endif
  for (; i < n; ++i) {
    unsigned char c = p[i];
    if (is_forbidden_control(c)) {
      error = {400, "control character in header section"};
      return false;
    }
    if (previous_cr != (c == '\n')) {
      error = {400, "bare CR or LF in header section"};
      return false;
    }
    previous_cr = c == '\r';
  }
  if (previous_cr) {
    error = {400, "bare CR or LF in header section"};
    return false;
  }
  return true;
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
