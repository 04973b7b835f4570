// How a fuzz input says where to cut the byte stream, so one input exercises a target both
// whole and in pieces.
//
// Layout (every stream target but the timer one uses it):
//
//   byte 0      options: target-specific bits (limits, roles, "peer closes at the end", ...)
//   byte 1      bits 0-3: n, the number of piece-length bytes that follow
//               bit 4:    lengths are multiplied by 16 (pieces of 16..4096 bytes)
//   n bytes     piece lengths, each byte b meaning b + 1 bytes; used in a cycle
//   rest        the payload: the byte stream the parser or session sees
//
// With n = 0 the payload is fed one byte at a time, the harshest split. Because the lengths are
// plain bytes of the input, libFuzzer mutates the cut points as freely as the content, and a
// crashing input reproduces its exact split.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace archbench::fuzz {

struct SplitInput {
  std::uint8_t options = 0;
  std::vector<std::size_t> piece_lengths;  // cycled; empty means one byte at a time
  std::string_view payload;

  bool option(unsigned bit) const { return (options >> bit) & 1u; }
  // Bits [first, first + count) of the options byte as a number.
  unsigned option_bits(unsigned first, unsigned count) const {
    return (options >> first) & ((1u << count) - 1u);
  }
};

// nullopt when the input is too short to hold its own header.
std::optional<SplitInput> read_split_input(const std::uint8_t* data, std::size_t size);

// The payload cut into pieces of the given lengths (cycled), the last one possibly shorter.
std::vector<std::string_view> cut(std::string_view payload,
                                  const std::vector<std::size_t>& piece_lengths);

}  // namespace archbench::fuzz
