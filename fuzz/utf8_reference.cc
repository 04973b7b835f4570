#include "fuzz/utf8_reference.h"

#include <cstdint>

namespace archbench::fuzz {
namespace {

// Whether [lo, hi] meets the code points that a sequence of `length` bytes may encode.
bool meets_valid_range(std::uint32_t lo, std::uint32_t hi, int length) {
  const auto meets = [&](std::uint32_t a, std::uint32_t b) { return lo <= b && hi >= a; };
  switch (length) {
    case 2:
      return meets(0x80, 0x7FF);
    case 3:
      return meets(0x800, 0xD7FF) || meets(0xE000, 0xFFFF);
    case 4:
      return meets(0x10000, 0x10FFFF);
    default:
      return false;
  }
}

}  // namespace

Utf8Scan reference_scan_utf8(std::string_view bytes) {
  Utf8Scan scan;
  std::size_t i = 0;
  while (i < bytes.size()) {
    const auto lead = static_cast<unsigned char>(bytes[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    int length = 0;
    std::uint32_t bits = 0;  // payload bits of the lead byte
    if ((lead & 0xE0) == 0xC0) {
      length = 2;
      bits = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      bits = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      bits = lead & 0x07;
    } else {
      scan.first_bad = i;  // a continuation byte without a lead, or F8..FF
      return scan;
    }
    // After k bytes of the sequence, 6 * (length - k) low bits are still free.
    int have = 1;
    std::uint32_t value = bits;
    auto viable = [&] {
      const int free_bits = 6 * (length - have);
      const std::uint32_t lo = value << free_bits;
      const std::uint32_t hi = lo | ((1u << free_bits) - 1u);
      return meets_valid_range(lo, hi, length);
    };
    if (!viable()) {
      scan.first_bad = i;
      return scan;
    }
    while (have < length) {
      const std::size_t at = i + have;
      if (at == bytes.size()) {
        scan.truncated = true;
        return scan;
      }
      const auto c = static_cast<unsigned char>(bytes[at]);
      if ((c & 0xC0) != 0x80) {
        scan.first_bad = at;
        return scan;
      }
      value = (value << 6) | (c & 0x3F);
      ++have;
      if (!viable()) {
        scan.first_bad = at;
        return scan;
      }
    }
    i += length;
  }
  return scan;
}

}  // namespace archbench::fuzz
