// The WebSocket frame codec (RFC 6455 5): an incremental decoder that also enforces the
// frame-sequence rules of one connection, and an encoder for both roles.
//
// The decoder does more than split frames: it knows whether a fragmented message is open, so it
// rejects a continuation with nothing to continue and a new data frame inside a message, and it
// enforces the message size limit from the frame *header*, before a byte of an oversized payload
// is buffered. Keeping those rules here means every user of the codec (server session, load
// client, conformance client) fails the same inputs with the same close codes.
//
// Thread-safety: FrameDecoder is one connection's state, used by one thread at a time. The free
// functions are pure.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace archbench::websocket {

enum class Opcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

inline bool is_control(Opcode op) { return (static_cast<std::uint8_t>(op) & 0x8) != 0; }

// Which end of the connection the codec speaks for. A server decodes client frames, which
// MUST be masked; a client decodes server frames, which MUST NOT be (RFC 6455 5.1).
enum class Role { kServer, kClient };

using MaskingKey = std::array<std::uint8_t, 4>;

inline constexpr std::size_t kMaxControlPayload = 125;

// One decoded frame.
struct Frame {
  Opcode opcode = Opcode::kContinuation;  // as on the wire
  bool fin = true;
  // For data frames, the opcode of the message the frame belongs to (kText or kBinary, also
  // for continuations); for control frames, the same as opcode.
  Opcode message_opcode = Opcode::kContinuation;
  // True for the first frame of a data message (text/binary opcode), false for continuations.
  bool message_start = false;
  // Unmasked payload. Points into the decoder; valid until the next decode() call.
  std::string_view payload;
};

struct DecodeError {
  std::uint16_t close_code = 0;  // 1002 protocol error, 1009 too big
  std::string reason;            // one line for the server log
};

enum class DecodeStatus { kNeedMore, kFrame, kError };

class FrameDecoder {
 public:
  // role: the side this decoder runs on. max_message: the largest data message (sum of its
  // fragments' payloads) accepted; a larger one fails with 1009.
  FrameDecoder(Role role, std::size_t max_message);

  // Consumes a prefix of `input`, advancing it. Returns
  //   kFrame    one frame is complete: frame() describes it; the rest of `input` is untouched;
  //   kNeedMore all of `input` was consumed without completing a frame (it is buffered);
  //   kError    the stream is broken; error() tells why. Sticky: every later call returns kError.
  // Any split of the byte stream gives the same frames.
  DecodeStatus decode(std::string_view& input);

  // Valid after kFrame, until the next decode() call.
  const Frame& frame() const { return frame_; }
  const DecodeError& error() const { return error_; }

  // After kNeedMore: the frame whose payload is being received, with the payload unmasked so
  // far (lets a caller validate UTF-8 before the frame ends); nullptr while in a header.
  const Frame* partial() const { return in_payload_ ? &partial_ : nullptr; }

  // True between the first and the last frame of a fragmented data message.
  bool in_message() const { return in_message_; }

 private:
  DecodeStatus fail(std::uint16_t code, std::string reason);
  // Validates the complete header in header_; sets up payload reception.
  DecodeStatus start_payload();
  void finish_frame();

  Role role_;
  std::size_t max_message_;

  // Header bytes gathered so far (2..14 bytes: base, extended length, masking key).
  std::array<unsigned char, 14> header_{};
  std::size_t header_have_ = 0;

  bool in_payload_ = false;
  bool masked_ = false;
  MaskingKey mask_{};
  std::uint64_t payload_length_ = 0;
  std::string payload_;  // unmasked payload, filled up to payload_have_
  std::size_t payload_have_ = 0;
  Frame partial_;

  // Fragmented-message state.
  bool in_message_ = false;
  Opcode message_opcode_ = Opcode::kText;
  std::size_t message_size_ = 0;  // payload bytes of the open message's earlier fragments

  Frame frame_;
  bool failed_ = false;
  DecodeError error_;
};

// Copies n bytes from `in` to `out` XOR-ing with the masking key, the key starting at byte
// `key_offset` (0..3) of the key: the same operation masks and unmasks. Works 8 bytes at a time.
// `in` and `out` may be the same pointer.
void mask_copy(const char* in, char* out, std::size_t n, const MaskingKey& key,
               std::size_t key_offset = 0);

// Appends one frame. With a masking key the frame is masked (a client's frame); without, it is
// unmasked (a server's frame). The caller supplies the key because the protocol suite has no
// source of randomness of its own (clients should use a fresh random key per frame).
void append_frame(std::string& out, Opcode opcode, std::string_view payload, bool fin = true,
                  const std::optional<MaskingKey>& mask = std::nullopt);

// The same, returning the frame.
std::string encode_frame(Opcode opcode, std::string_view payload, bool fin = true,
                         const std::optional<MaskingKey>& mask = std::nullopt);

}  // namespace archbench::websocket
