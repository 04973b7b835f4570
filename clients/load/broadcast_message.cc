#include "clients/load/broadcast_message.h"

#include <cstdio>

#include "clients/load/payload.h"

namespace archbench::load {
namespace {

// How many different windows of the filler a body can be. 256 makes neighbouring messages
// differ while the filler stays close to one message in size.
constexpr std::size_t kOffsets = 256;
// The payload stream of the filler (connection payloads use the connection index).
constexpr std::uint64_t kFillerStream = 0xb40adca57ull;

std::optional<std::uint64_t> parse_hex(std::string_view digits) {
  std::uint64_t value = 0;
  for (char c : digits) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    value = value * 16 + static_cast<std::uint64_t>(digit);
  }
  return value;
}

std::size_t offset_of(const BroadcastTag& tag) {
  // A multiplicative hash: consecutive sequence numbers of one sender land far apart.
  const std::uint64_t h =
      (tag.sequence * 0x9e3779b97f4a7c15ull) ^ (tag.sender * 0xbf58476d1ce4e5b9ull);
  return static_cast<std::size_t>((h >> 32) % kOffsets);
}

}  // namespace

std::string format_broadcast_tag(const BroadcastTag& tag) {
  char text[kBroadcastTagSize + 1];
  std::snprintf(text, sizeof text, "#%07x:%015llx", static_cast<unsigned>(tag.sender),
                static_cast<unsigned long long>(tag.sequence));
  return std::string(text, kBroadcastTagSize);
}

std::optional<BroadcastTag> parse_broadcast_tag(std::string_view bytes) {
  if (bytes.size() < kBroadcastTagSize || bytes[0] != '#' || bytes[8] != ':') return std::nullopt;
  const auto sender = parse_hex(bytes.substr(1, 7));
  const auto sequence = parse_hex(bytes.substr(9, 15));
  if (!sender || !sequence) return std::nullopt;
  return BroadcastTag{static_cast<std::uint32_t>(*sender), *sequence};
}

BroadcastPayload::BroadcastPayload(std::size_t message_size, bool binary, std::uint64_t seed)
    : body_size_(message_size - kBroadcastTagSize),
      filler_(binary ? random_bytes(body_size_ + kOffsets - 1, seed, kFillerStream)
                     : random_text(body_size_ + kOffsets - 1, seed, kFillerStream)) {}

std::string_view BroadcastPayload::body(const BroadcastTag& tag) const {
  return std::string_view(filler_).substr(offset_of(tag), body_size_);
}

void BroadcastPayload::build(const BroadcastTag& tag, std::string& out) const {
  out = format_broadcast_tag(tag);
  out.append(body(tag));
}

}  // namespace archbench::load
