// The messages of WebSocket broadcast mode (--protocol websocket --path /broadcast).
//
// Every member of the group receives every other member's messages, interleaved, so a message
// has to say who sent it: each one starts with a 24-byte ASCII tag
//
//   #SSSSSSS:QQQQQQQQQQQQQQQ      S = sender's connection index, Q = its sequence number (hex)
//
// followed by --message-size - 24 bytes of body. The body is a window of one shared filler
// (random printable text, or random bytes with --ws-binary) that starts at an offset derived
// from the tag, so two messages of the same size still differ and a server that pairs one
// message's tag with another's body is caught. Any receiver can rebuild the expected body from
// the tag alone, without storing what the other members sent.
//
// Thread-safety: BroadcastPayload is immutable after construction; its methods are const and
// may run on any thread. The free functions are pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "clients/load/options.h"  // kBroadcastTagSize

namespace archbench::load {

// The largest sender index the tag can name (7 hex digits).
inline constexpr std::uint32_t kMaxBroadcastSender = 0x0fffffff;

// Who sent a broadcast message and its number among that sender's messages (1, 2, 3, ...).
struct BroadcastTag {
  std::uint32_t sender = 0;
  std::uint64_t sequence = 0;
};

// The 24 tag bytes. sequence must fit 15 hex digits (it always does: 2^60 messages).
std::string format_broadcast_tag(const BroadcastTag& tag);
// The tag at the start of `bytes` (which must hold at least kBroadcastTagSize bytes), or
// nullopt when those bytes are not a tag this client writes (lower-case hex only).
std::optional<BroadcastTag> parse_broadcast_tag(std::string_view bytes);

class BroadcastPayload {
 public:
  // `message_size` >= kBroadcastTagSize (options validation guarantees it). `binary`: random
  // bytes instead of printable text (which keeps text frames valid UTF-8).
  BroadcastPayload(std::size_t message_size, bool binary, std::uint64_t seed);

  std::size_t message_size() const { return kBroadcastTagSize + body_size_; }
  // The body that follows `tag`: a view into the shared filler, valid while this object lives.
  std::string_view body(const BroadcastTag& tag) const;
  // Replaces `out` with the whole message (tag + body).
  void build(const BroadcastTag& tag, std::string& out) const;

 private:
  std::size_t body_size_;
  std::string filler_;  // body_size_ + kOffsets - 1 bytes: every window of body_size_ fits
};

}  // namespace archbench::load
