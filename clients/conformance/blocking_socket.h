// A TCP client connection for conformance cases: blocking semantics, but every call is bounded
// by a timeout, so a server that hangs turns into a failed case instead of a hung suite.
//
// Why not the servers' own test helpers: the conformance client is a standalone tool and must not
// depend on test code (or trust anything the servers are built from).
//
// Design note: the descriptor is non-blocking underneath and every operation polls against a
// deadline. While write_all() waits for send-buffer space it also drains incoming bytes into an
// internal inbox. That costs memory for huge echoes but removes the classic deadlock of a client
// that writes 1 MiB to an echo server without reading (both socket buffers fill, nobody moves).
//
// Thread-safety: none. One BlockingSocket belongs to one thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace archbench::conformance {

using Millis = std::chrono::milliseconds;

// What went wrong on the wire. Cases usually let it propagate: the runner turns it into a FAIL
// whose reason is what(), which names the operation and what had arrived so far.
class SocketError : public std::runtime_error {
 public:
  enum class Kind {
    kTimeout,  // the deadline passed
    kClosed,   // the peer closed (EOF, or EPIPE on write)
    kReset,    // ECONNRESET
    kOther,    // connect refused, resolution failure, ...
  };
  SocketError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// How a wait for the peer's close ended (see BlockingSocket::wait_for_close).
struct CloseWait {
  bool closed = false;  // EOF or reset seen within the timeout
  bool reset = false;   // it was a reset (RST), not an orderly FIN
  std::string extra;    // bytes that arrived before the close (normally none)
};

class BlockingSocket {
 public:
  // Connects to host:port (a numeric address or a name), bounded by `timeout`; every later
  // operation is bounded by the same timeout unless set_timeout() changes it. TCP_NODELAY is on
  // so separate writes leave as separate segments (cases rely on that to split messages).
  static BlockingSocket connect(const std::string& host, std::uint16_t port, Millis timeout);

  BlockingSocket(BlockingSocket&& other) noexcept;
  BlockingSocket& operator=(BlockingSocket&& other) noexcept;
  BlockingSocket(const BlockingSocket&) = delete;
  BlockingSocket& operator=(const BlockingSocket&) = delete;
  ~BlockingSocket();

  void set_timeout(Millis timeout) { timeout_ = timeout; }
  Millis timeout() const { return timeout_; }

  // Sends every byte (draining replies into the inbox meanwhile). Throws SocketError.
  void write_all(std::string_view data);
  // Like write_all, but a peer that closes or resets while we write is not an error: returns
  // false then. For cases that send something the server is expected to refuse mid-stream.
  bool write_all_or_closed(std::string_view data);
  // Sends `data` as separate writes of `piece` bytes, pausing `pause` between them so the pieces
  // reach the server as separate reads (best effort: TCP guarantees nothing about boundaries).
  void write_in_pieces(std::string_view data, std::size_t piece, Millis pause);
  // shutdown(SHUT_WR): the peer reads EOF, we can still read its replies.
  void shutdown_write();

  // Exactly n bytes; throws SocketError (naming what had arrived) on timeout or close.
  std::string read_exact(std::size_t n);
  // Everything up to and including `delimiter`; throws when more than max_bytes arrive first.
  std::string read_until(std::string_view delimiter, std::size_t max_bytes);
  // Whatever arrives within `wait` (possibly nothing); never throws on timeout. Stops early at
  // EOF. Used to assert that the server stays silent.
  std::string read_for(Millis wait);
  // Reads until the peer closes or `timeout` passes, collecting any bytes on the way.
  CloseWait wait_for_close(Millis timeout);

  // True once EOF was read (the inbox may still hold bytes).
  bool peer_closed() const { return eof_; }
  // True once EOF or a reset was seen.
  bool peer_gone() const { return eof_ || reset_; }
  // Bytes already received but not yet consumed.
  std::size_t buffered() const { return inbox_.size() - inbox_pos_; }

 private:
  BlockingSocket(int fd, Millis timeout) : fd_(fd), timeout_(timeout) {}
  using Deadline = std::chrono::steady_clock::time_point;
  // Waits for readability until the deadline and appends what one recv returns to the inbox.
  // Returns false on timeout; sets eof_ on EOF; throws kReset / kOther on errors.
  bool fill(Deadline deadline);
  // Moves n buffered bytes out of the inbox.
  std::string take(std::size_t n);
  std::string describe_inbox() const;

  int fd_ = -1;
  Millis timeout_;
  std::string inbox_;
  std::size_t inbox_pos_ = 0;  // consumed prefix of inbox_, compacted lazily
  bool eof_ = false;
  bool reset_ = false;
};

// A readable, bounded rendering of bytes for failure messages: printable ASCII as is, the rest
// as \r \n \xHH, cut to `max_chars` with a note of the total length.
std::string printable(std::string_view bytes, std::size_t max_chars = 96);

}  // namespace archbench::conformance
