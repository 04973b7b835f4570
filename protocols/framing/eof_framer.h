// Splits a byte stream into messages that end with a delimiter (--protocol eof, and the line
// reader of the timer protocol).
//
// Usage: append() what one read returned, then call next() until it stops returning kMessage.
// The framer copies every read into its own buffer; the views it hands out point into that
// buffer and stay valid until the next append().
//
// Search cost: every byte is examined about once. A failed search remembers where it stopped
// (the last delimiter-length-minus-one bytes are looked at again, because a delimiter may be
// split across reads), so a 1 MiB message delivered in 4 KiB reads costs O(1 MiB), not
// O(1 MiB^2 / 4 KiB).
//
// Trade-off: always copying into the buffer costs one memcpy per read even when a read holds
// only whole messages. A zero-copy path (frame straight out of the caller's data) would save it
// but must stitch delimiters that straddle the buffer and the new data. It is not built: that
// copy costs about what the unavoidable copy into the reply costs (compare BM_EofFramer with
// BM_EofSession in framing_bench.cc), so less than a factor of two is at stake.
//
// Thread-safety: one instance per connection, used by one thread at a time.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace archbench::framing {

class EofFramer {
 public:
  enum class Status {
    kMessage,   // `message` holds one complete message, delimiter included
    kNeedMore,  // no complete message buffered; append() more bytes
    kTooLong,   // the current message is over the limit; the framer is finished
  };

  struct Result {
    Status status = Status::kNeedMore;
    // kMessage: the message, delimiter included. kTooLong: the bytes of the offending message
    // buffered so far (for diagnostics). Valid until the next append().
    std::string_view message;
    // kTooLong: true when the delimiter was found and `message.size()` is the exact length;
    // false when the limit was reached without finding it (the real message is longer).
    bool complete = false;
  };

  // `delimiter` must not be empty; a message (delimiter included) may be at most
  // `max_message_length` bytes. Throws std::invalid_argument when the delimiter is empty or
  // longer than the limit (no message could ever be accepted).
  EofFramer(std::string delimiter, std::size_t max_message_length);

  // Adds bytes from the peer. Invalidates views returned by earlier next() calls. Ignored once
  // next() has returned kTooLong: the framer's job on that connection is over.
  void append(std::string_view data);

  // The next complete message, or why there is none. After kTooLong, every call returns
  // kTooLong again (with the same diagnostics).
  Result next();

  // Bytes held for the message in progress (after the last one returned).
  std::size_t buffered() const { return buffer_.size() - start_; }
  const std::string& delimiter() const { return delimiter_; }
  std::size_t max_message_length() const { return max_message_length_; }

 private:
  // Releases the buffer's storage after a big message, so an idle connection holds little.
  static constexpr std::size_t kRetainedCapacity = 64 * 1024;

  std::string delimiter_;
  std::size_t max_message_length_;
  std::string buffer_;
  std::size_t start_ = 0;  // first byte of the message in progress
  std::size_t scan_ = 0;   // where the next delimiter search starts (start_ <= scan_)
  bool failed_ = false;
  Result failure_;
};

}  // namespace archbench::framing
