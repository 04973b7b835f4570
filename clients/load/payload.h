// Request payloads: random bytes, different for every connection but the same from run to run
// (fixed seed), so a server that mixes up connections or corrupts a byte is caught, and a
// failure can be replayed.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace archbench::load {

// `size` random bytes from the stream of (seed, stream). No byte of `excluded` appears (EOF mode
// excludes the delimiter's bytes so the payload never ends a message early). Throws
// std::invalid_argument when `excluded` leaves no byte to choose from.
std::string random_bytes(std::size_t size, std::uint64_t seed, std::uint64_t stream,
                         std::string_view excluded = {});

// `size` random printable ASCII characters: valid UTF-8 for WebSocket text messages.
std::string random_text(std::size_t size, std::uint64_t seed, std::uint64_t stream);

}  // namespace archbench::load
