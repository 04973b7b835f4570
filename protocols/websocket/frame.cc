#include "protocols/websocket/frame.h"

#include <algorithm>
#include <cstring>

#include "protocols/websocket/close_codes.h"

namespace archbench::websocket {
namespace {

constexpr unsigned char kFin = 0x80;
constexpr unsigned char kRsvBits = 0x70;
constexpr unsigned char kOpcodeBits = 0x0F;
constexpr unsigned char kMaskBit = 0x80;
constexpr unsigned char kLength7Bits = 0x7F;
constexpr std::size_t kKeptCapacity = 64 * 1024;

bool is_known_opcode(unsigned v) { return v <= 0x2 || (v >= 0x8 && v <= 0xA); }

// Bytes of the whole header implied by its first two bytes.
std::size_t full_header_size(unsigned char b1) {
  std::size_t size = 2;
  const unsigned len7 = b1 & kLength7Bits;
  if (len7 == 126) size += 2;
  if (len7 == 127) size += 8;
  if (b1 & kMaskBit) size += 4;
  return size;
}

}  // namespace

void mask_copy(const char* in, char* out, std::size_t n, const MaskingKey& key,
               std::size_t key_offset) {
  // The key repeated to 8 bytes, starting at the right phase: since 8 is a multiple of 4 the
  // phase is the same for every 8-byte word, so one XOR per word does the work.
  unsigned char spread[8];
  for (std::size_t i = 0; i < 8; ++i) spread[i] = key[(key_offset + i) & 3];
  std::uint64_t word_mask;
  std::memcpy(&word_mask, spread, 8);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, in + i, 8);  // memcpy: no alignment or aliasing assumptions
    word ^= word_mask;
    std::memcpy(out + i, &word, 8);
  }
  for (; i < n; ++i) out[i] = static_cast<char>(in[i] ^ spread[i & 7]);
}

FrameDecoder::FrameDecoder(Role role, std::size_t max_message)
    : role_(role), max_message_(max_message) {}

DecodeStatus FrameDecoder::fail(std::uint16_t code, std::string reason) {
  failed_ = true;
  error_.close_code = code;
  error_.reason = std::move(reason);
  return DecodeStatus::kError;
}

DecodeStatus FrameDecoder::decode(std::string_view& input) {
  if (failed_) return DecodeStatus::kError;
  if (!in_payload_) {
    // Gather the two base bytes and judge them at once (fail fast: a bad opcode or a missing
    // mask is reported without waiting for the length and key).
    if (header_have_ < 2) {
      const std::size_t take = std::min<std::size_t>(2 - header_have_, input.size());
      std::memcpy(header_.data() + header_have_, input.data(), take);
      header_have_ += take;
      input.remove_prefix(take);
      if (header_have_ < 2) return DecodeStatus::kNeedMore;

      const unsigned char b0 = header_[0], b1 = header_[1];
      const unsigned op = b0 & kOpcodeBits;
      if (b0 & kRsvBits) return fail(kCloseProtocolError, "RSV bit set without an extension");
      if (!is_known_opcode(op)) {
        return fail(kCloseProtocolError, "reserved opcode " + std::to_string(op));
      }
      const bool masked = (b1 & kMaskBit) != 0;
      if (role_ == Role::kServer && !masked) {
        return fail(kCloseProtocolError, "unmasked client frame");
      }
      if (role_ == Role::kClient && masked) {
        return fail(kCloseProtocolError, "masked server frame");
      }
      const auto opcode = static_cast<Opcode>(op);
      if (is_control(opcode)) {
        if (!(b0 & kFin)) return fail(kCloseProtocolError, "fragmented control frame");
        if ((b1 & kLength7Bits) > kMaxControlPayload) {
          return fail(kCloseProtocolError, "control frame payload over 125 bytes");
        }
      } else if (opcode == Opcode::kContinuation && !in_message_) {
        return fail(kCloseProtocolError, "continuation frame with no message to continue");
      } else if (opcode != Opcode::kContinuation && in_message_) {
        return fail(kCloseProtocolError, "new data frame inside a fragmented message");
      }
    }
    const std::size_t need = full_header_size(header_[1]);
    if (header_have_ < need) {
      const std::size_t take = std::min(need - header_have_, input.size());
      std::memcpy(header_.data() + header_have_, input.data(), take);
      header_have_ += take;
      input.remove_prefix(take);
      if (header_have_ < need) return DecodeStatus::kNeedMore;
    }
    const DecodeStatus started = start_payload();
    if (started != DecodeStatus::kNeedMore) return started;  // error, or an empty frame
  }

  const std::size_t take = std::min<std::size_t>(payload_length_ - payload_have_, input.size());
  char* dest = payload_.data() + payload_have_;
  if (masked_) {
    mask_copy(input.data(), dest, take, mask_, payload_have_ & 3);
  } else {
    std::memcpy(dest, input.data(), take);
  }
  payload_have_ += take;
  input.remove_prefix(take);
  if (payload_have_ < payload_length_) {
    partial_.payload = std::string_view(payload_.data(), payload_have_);
    return DecodeStatus::kNeedMore;
  }
  finish_frame();
  return DecodeStatus::kFrame;
}

DecodeStatus FrameDecoder::start_payload() {
  const unsigned char b0 = header_[0], b1 = header_[1];
  const unsigned len7 = b1 & kLength7Bits;
  std::size_t pos = 2;
  std::uint64_t length = len7;
  if (len7 == 126) {
    length = (std::uint64_t{header_[2]} << 8) | header_[3];
    pos = 4;
  } else if (len7 == 127) {
    length = 0;
    for (std::size_t i = 0; i < 8; ++i) length = (length << 8) | header_[2 + i];
    pos = 10;
    if (length >> 63) return fail(kCloseProtocolError, "64-bit payload length with MSB set");
  }
  // Non-minimal length encodings (e.g. 5 in the 16-bit form) are accepted: RFC 6455 says
  // "the minimal number of bytes MUST be used" for senders but Autobahn does not fail receivers
  // that tolerate them, and rejecting costs a branch for no safety gain.
  masked_ = (b1 & kMaskBit) != 0;
  if (masked_) std::memcpy(mask_.data(), header_.data() + pos, 4);

  const auto opcode = static_cast<Opcode>(b0 & kOpcodeBits);
  partial_ = Frame{};
  partial_.opcode = opcode;
  partial_.fin = (b0 & kFin) != 0;
  if (is_control(opcode)) {
    partial_.message_opcode = opcode;
  } else {
    // The limit is on the whole message; checked against the header, so an oversized payload
    // is refused before any of it is buffered.
    const std::size_t before = opcode == Opcode::kContinuation ? message_size_ : 0;
    if (length > max_message_ || before + length > max_message_) {
      return fail(kCloseMessageTooBig, "message of at least " + std::to_string(before + length) +
                                           " bytes over the limit of " +
                                           std::to_string(max_message_));
    }
    partial_.message_start = opcode != Opcode::kContinuation;
    partial_.message_opcode = partial_.message_start ? opcode : message_opcode_;
  }
  payload_length_ = length;
  payload_have_ = 0;
  // A connection that once received a 2 MiB message should not hold 2 MiB for the rest of its
  // life (think C10K): past 64 KiB the buffer is given back when a smaller frame comes.
  if (length <= kKeptCapacity && payload_.capacity() > kKeptCapacity) std::string().swap(payload_);
  // resize() zero-fills before we overwrite; the capacity is kept between frames, so the cost
  // is one memset per frame, which the unmasking pass dwarfs anyway.
  payload_.resize(static_cast<std::size_t>(length));
  partial_.payload = std::string_view(payload_.data(), 0);
  in_payload_ = true;
  if (length == 0) {
    finish_frame();
    return DecodeStatus::kFrame;
  }
  return DecodeStatus::kNeedMore;
}

void FrameDecoder::finish_frame() {
  frame_ = partial_;
  frame_.payload = std::string_view(payload_.data(), payload_length_);
  if (!is_control(frame_.opcode)) {
    if (frame_.message_start) {
      message_opcode_ = frame_.opcode;
      message_size_ = 0;
    }
    if (frame_.fin) {
      in_message_ = false;
      message_size_ = 0;
    } else {
      in_message_ = true;
      message_size_ += payload_length_;
    }
  }
  in_payload_ = false;
  header_have_ = 0;
}

void append_frame(std::string& out, Opcode opcode, std::string_view payload, bool fin,
                  const std::optional<MaskingKey>& mask) {
  const std::size_t n = payload.size();
  unsigned char header[14];
  std::size_t h = 0;
  header[h++] = static_cast<unsigned char>((fin ? kFin : 0) | static_cast<unsigned char>(opcode));
  const unsigned char mask_bit = mask ? kMaskBit : 0;
  if (n <= 125) {
    header[h++] = static_cast<unsigned char>(mask_bit | n);
  } else if (n <= 0xFFFF) {
    header[h++] = static_cast<unsigned char>(mask_bit | 126);
    header[h++] = static_cast<unsigned char>(n >> 8);
    header[h++] = static_cast<unsigned char>(n & 0xFF);
  } else {
    header[h++] = static_cast<unsigned char>(mask_bit | 127);
    const std::uint64_t n64 = n;
    for (int shift = 56; shift >= 0; shift -= 8) {
      header[h++] = static_cast<unsigned char>((n64 >> shift) & 0xFF);
    }
  }
  if (mask) {
    std::memcpy(header + h, mask->data(), 4);
    h += 4;
  }
  const std::size_t start = out.size();
  out.resize(start + h + n);
  std::memcpy(out.data() + start, header, h);
  if (mask) {
    mask_copy(payload.data(), out.data() + start + h, n, *mask, 0);
  } else if (n != 0) {
    std::memcpy(out.data() + start + h, payload.data(), n);
  }
}

std::string encode_frame(Opcode opcode, std::string_view payload, bool fin,
                         const std::optional<MaskingKey>& mask) {
  std::string out;
  append_frame(out, opcode, payload, fin, mask);
  return out;
}

}  // namespace archbench::websocket
