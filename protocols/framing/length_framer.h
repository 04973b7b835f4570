// The length-prefixed frame format of --protocol length, in both directions: a 4-byte unsigned
// big-endian body length, then that many body bytes. A zero-length body is a valid frame.
//
// LengthFramer splits a received byte stream into frames. Usage: append() what one read
// returned, then call next() until it stops returning kFrame. A length over the limit is
// rejected as soon as the 4 header bytes are in, before any of the body is waited for.
//
// Trade-off: every read is copied into the framer's buffer (one memcpy) and the buffer grows by
// doubling rather than reserving the announced length: an unverified header must not make us
// allocate up to the limit for a peer that then sends nothing.
//
// Thread-safety: one instance per connection, used by one thread at a time; the free functions
// are pure.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace archbench::framing {

inline constexpr std::size_t kLengthHeaderSize = 4;
// The largest body the 4-byte header can announce.
inline constexpr std::uint64_t kMaxEncodableLength = 0xffffffffu;

// Appends the frame for `body` (header, then body) to `out`. Throws std::length_error for a
// body the header cannot describe (over 4 GiB - 1).
void encode_length_frame(std::string_view body, std::string& out);

// The body length a 4-byte header announces. `header` must hold at least 4 bytes.
std::uint32_t decode_length_header(std::string_view header);

// A guess at what a peer that sent this header (whose length was over `max_body_length`) is
// really speaking, e.g. "looks like an HTTP request sent to a length-framed port"; empty when
// nothing recognisable. `header` is the 4 raw header bytes.
std::string likely_cause_of_bad_length(std::string_view header, std::uint64_t max_body_length);

class LengthFramer {
 public:
  enum class Status {
    kFrame,     // `frame` and `body` describe one complete frame
    kNeedMore,  // no complete frame buffered; append() more bytes
    kTooLong,   // the announced length is over the limit; the framer is finished
  };

  struct Result {
    Status status = Status::kNeedMore;
    std::string_view frame;  // kFrame: header + body, as received (echo it in one append)
    std::string_view body;   // kFrame: the body alone
    std::uint32_t length = 0;  // kFrame, kTooLong: the announced body length
    std::string_view header;   // kTooLong: the 4 header bytes (for diagnostics)
  };

  // Frames whose body is longer than `max_body_length` are rejected.
  explicit LengthFramer(std::size_t max_body_length);

  // Adds bytes from the peer. Invalidates views from earlier next() calls. Ignored once next()
  // has returned kTooLong.
  void append(std::string_view data);

  // The next complete frame, or why there is none. After kTooLong every call returns it again.
  Result next();

  std::size_t buffered() const { return buffer_.size() - start_; }
  std::size_t max_body_length() const { return max_body_length_; }

 private:
  static constexpr std::size_t kRetainedCapacity = 64 * 1024;

  std::size_t max_body_length_;
  std::string buffer_;
  std::size_t start_ = 0;  // first byte of the frame in progress
  bool failed_ = false;
  Result failure_;
};

}  // namespace archbench::framing
