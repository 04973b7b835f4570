#include "clients/load/payload.h"

#include <array>
#include <random>
#include <stdexcept>
#include <vector>

namespace archbench::load {
namespace {

// Mixes seed and stream so that neighbouring connection indices get unrelated sequences
// (splitmix64 finalizer).
std::uint64_t mix(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed * 0x9e3779b97f4a7c15ull + stream + 0x632be59bd9b4e019ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::string pick(std::size_t size, std::uint64_t seed, std::uint64_t stream,
                 const std::vector<char>& alphabet) {
  std::mt19937_64 engine(mix(seed, stream));
  std::uniform_int_distribution<std::size_t> choose(0, alphabet.size() - 1);
  std::string out(size, '\0');
  for (auto& c : out) c = alphabet[choose(engine)];
  return out;
}

}  // namespace

std::string random_bytes(std::size_t size, std::uint64_t seed, std::uint64_t stream,
                         std::string_view excluded) {
  std::array<bool, 256> banned{};
  for (char c : excluded) banned[static_cast<unsigned char>(c)] = true;
  std::vector<char> alphabet;
  for (int b = 0; b < 256; ++b) {
    if (!banned[b]) alphabet.push_back(static_cast<char>(b));
  }
  if (alphabet.empty()) throw std::invalid_argument("random_bytes: every byte is excluded");
  return pick(size, seed, stream, alphabet);
}

std::string random_text(std::size_t size, std::uint64_t seed, std::uint64_t stream) {
  std::vector<char> alphabet;
  for (char c = ' '; c <= '~'; ++c) alphabet.push_back(c);
  return pick(size, seed, stream, alphabet);
}

}  // namespace archbench::load
