#include "fuzz/split_input.h"

#include <algorithm>

namespace archbench::fuzz {

std::optional<SplitInput> read_split_input(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return std::nullopt;
  SplitInput input;
  input.options = data[0];
  const std::size_t n = data[1] & 0x0F;
  const std::size_t scale = (data[1] & 0x10) ? 16 : 1;
  if (size < 2 + n) return std::nullopt;
  for (std::size_t i = 0; i < n; ++i) input.piece_lengths.push_back((data[2 + i] + 1u) * scale);
  input.payload = std::string_view(reinterpret_cast<const char*>(data) + 2 + n, size - 2 - n);
  return input;
}

std::vector<std::string_view> cut(std::string_view payload,
                                  const std::vector<std::size_t>& piece_lengths) {
  std::vector<std::string_view> pieces;
  std::size_t k = 0;
  while (!payload.empty()) {
    const std::size_t want = piece_lengths.empty() ? 1 : piece_lengths[k++ % piece_lengths.size()];
    const std::size_t take = std::min(want, payload.size());
    pieces.push_back(payload.substr(0, take));
    payload.remove_prefix(take);
  }
  return pieces;
}

}  // namespace archbench::fuzz
