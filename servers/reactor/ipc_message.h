// The messages between reactor threads and worker processes, and the stream framing that
// carries them over a unix SOCK_STREAM socketpair.
//
// Every message is a fixed 24-byte header followed by `length` payload bytes:
//
//   offset  size  field
//   0       8     session   connection id, unique for the whole run (never reused)
//   8       4     length    payload bytes that follow the header
//   12      4     seq       the connection's request number this message belongs to (0: none)
//   16      4     extra     type-specific (the worker's pid in kHello, ...)
//   20      2     reactor   the reactor thread that owns the connection
//   22      1     type      MessageType
//   23      1     flags     MessageFlags
//
// Host byte order: both ends are on this machine, usually the same binary.
//
// Why SOCK_STREAM and not SOCK_SEQPACKET: a message can be megabytes (a 2 MiB HTTP body, a
// 2 MiB reply), and a SEQPACKET record must fit in the socket's send buffer at once (about
// 208 KiB here, wmem_max caps raising it), so big messages would need fragmenting and
// reassembly anyway. A stream with a length header has no size limit and lets both sides batch
// many small messages into one write. What SEQPACKET would give, atomic records, is not needed:
// each channel has exactly one writer and one reader. The price is that a writer that dies in
// the middle of a message leaves half a message in the stream; that is why every worker
// incarnation gets FRESH socketpairs (see manager.h): EOF on a channel means "that process is
// gone", and a torn message at EOF is simply discarded.
//
// Thread-safety: MessageReader and MessageWriter are one channel end's state, used by one
// thread. The free functions are pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace archbench::reactor {

enum class MessageType : std::uint8_t {
  // Reactor -> worker.
  kOpen = 1,         // a connection now belongs to this worker; payload: the peer ("ip:port")
  kClose = 2,        // the connection is gone (closed by either side, or by the heartbeat)
  kMessage = 3,      // seq: one complete message of a framed protocol (echo/eof/length)
  kHttpRequest = 4,  // seq: one complete HTTP request (request_codec.h)
  kUpgrade = 5,      // seq: an HTTP request asking for a WebSocket upgrade (to the owner)
  kStreamData = 6,   // bytes for the stateful session this worker owns (websocket, timer)
  kPeerClosed = 7,   // the client half-closed a connection with a stateful session here
  kRetireAck = 8,    // after kRetiring: this reactor sends no new work (its own sessions' data
                     // still comes)

  // Worker -> reactor.
  kHello = 64,      // first message of a new worker on each channel; extra: its pid
  kReply = 65,      // seq: the answer to the request with that number; flags: kClose/kUpgraded
  kStreamOut = 66,  // bytes a stateful session produced (timers, WebSocket echoes); flags kClose
  kJoin = 67,       // the session joined the broadcast group named in the payload ("": left)
  kBroadcast = 68,  // payload: group (extra bytes) then the encoded message, for every member
  kRetiring = 69,   // this worker will take no new work; answer with kRetireAck
};

enum MessageFlags : std::uint8_t {
  kFlagNone = 0,
  kFlagClose = 1,     // close the connection once these bytes are sent
  kFlagUpgraded = 2,  // kReply: the connection is now a WebSocket owned by this worker
  kFlagMigrated = 4,  // kOpen: the connection existed before (its former owner retired)
};

std::string_view message_type_name(MessageType type);

struct MessageHeader {
  std::uint64_t session = 0;
  std::uint32_t length = 0;
  std::uint32_t seq = 0;
  std::uint32_t extra = 0;
  std::uint16_t reactor = 0;
  MessageType type = MessageType::kMessage;
  std::uint8_t flags = kFlagNone;
};

inline constexpr std::size_t kHeaderSize = 24;
// A payload above this is a corrupt stream, not a message (the largest real one is a 2 MiB
// body plus headers; --package-max-length may raise it, hence the generous bound).
inline constexpr std::size_t kMaxPayload = std::size_t{1} << 31;

// Appends header (with length = payload.size()) and payload to `out`.
void append_message(std::string& out, MessageHeader header, std::string_view payload);

// Splits a received byte stream into messages. Usage: read into the buffer returned by
// prepare(), commit() what arrived, then next() until it returns false.
class MessageReader {
 public:
  // Room for at least `n` more bytes at the end of the buffer; returns where to read into.
  char* prepare(std::size_t n);
  void commit(std::size_t n);

  // The next complete message; `payload` points into the reader and stays valid until the next
  // next() or prepare() call: handle each message before asking for the next one. False when no complete message is buffered. Sets corrupt() for a header whose
  // length is impossible (the stream cannot be trusted any more).
  bool next(MessageHeader& header, std::string_view& payload);

  bool corrupt() const { return corrupt_; }
  // Bytes of an incomplete message buffered (at EOF: the torn message a dead writer left).
  std::size_t buffered() const { return end_ - start_; }

 private:
  std::string buffer_;
  std::size_t start_ = 0;  // first byte not yet returned
  std::size_t end_ = 0;    // end of the received bytes
  bool corrupt_ = false;
};

// A non-blocking channel end's outgoing bytes: messages are appended at any time and flushed
// with as few write() calls as possible (one per loop turn in the usual case).
class MessageWriter {
 public:
  std::string& buffer() { return buffer_; }  // append_message() into it
  void append(const MessageHeader& header, std::string_view payload) {
    append_message(buffer_, header, payload);
  }

  enum class FlushResult { kDone, kBlocked, kError };
  // Writes as much as the socket takes. kBlocked: bytes remain (wait for EPOLLOUT).
  // kError: the peer is gone (EPIPE/ECONNRESET); errno is set.
  FlushResult flush(int fd);

  std::size_t pending() const { return buffer_.size() - sent_; }

 private:
  std::string buffer_;
  std::size_t sent_ = 0;
};

}  // namespace archbench::reactor
