// The one boundary between the protocol suite and every server architecture.
//
// A Session is one connection's protocol state: bytes in, bytes (and a few requests to the
// driver) out. It owns no socket, starts no thread and reads no clock: the driver passes the time
// in. That is what lets a blocking fork-per-connection server, a select() loop, an epoll reactor
// and an Asio server all run the very same protocol code.
//
// Thread-safety: a Session is used by one thread at a time (the one that owns the connection).
// Nothing in it is shared with other sessions; broadcast goes through the driver.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace archbench {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

// The moment a driver hands to a session: a monotonic time for deadlines and the wall-clock time
// for the HTTP Date header. Drivers read both once per wake-up (servers/core/clock.h).
struct Now {
  TimePoint steady;
  std::chrono::system_clock::time_point wall;
};

enum class Protocol { kEcho, kEof, kLength, kHttp, kWebSocket, kTimer };

// "echo", "eof", "length", "http", "websocket", "timer"; nullopt for anything else.
std::optional<Protocol> parse_protocol(std::string_view name);
std::string_view protocol_name(Protocol protocol);
// All six, in the order of DESIGN.md (for --help texts and test matrices).
const std::vector<Protocol>& all_protocols();

inline constexpr std::size_t kDefaultPackageMaxLength = 2u << 20;  // 2 MiB
// nginx's client_header_timeout default.
inline constexpr std::chrono::milliseconds kDefaultHeaderTimeout{60000};
// nginx's client_body_timeout default.
inline constexpr std::chrono::milliseconds kDefaultBodyTimeout{60000};
// nginx's keepalive_timeout default.
inline constexpr std::chrono::milliseconds kDefaultKeepAliveTimeout{75000};

// Everything a session needs to know about the server that runs it. Built once from the
// command line and shared read-only by all sessions.
struct ProtocolConfig {
  // Bounds an EOF message (delimiter included), a length frame's body, an HTTP request body
  // and a reassembled WebSocket message (DESIGN.md, "Protocols").
  std::size_t package_max_length = kDefaultPackageMaxLength;
  std::string package_eof = "\r\n";
  // A more specific bound for WebSocket messages; 0 means package_max_length.
  std::size_t ws_max_message = 0;
  // When not empty, a WebSocket handshake must carry uid and token = hex(HMAC-SHA256(secret, uid)).
  std::string ws_token_secret;
  // The value of the Server header: "archbench/<architecture>".
  std::string server_name = "archbench";
  // Whether the architecture can deliver a message to other connections (WebSocket /broadcast).
  // Process-per-connection designs cannot; they set the reason, sent in the 501 body.
  bool can_broadcast = false;
  std::string broadcast_refusal = "this architecture serves each connection in its own process";
  // HTTP and the WebSocket handshake: how long one request's header section may take to arrive,
  // timed from its first byte (a slowloris defence, like nginx's client_header_timeout). When it
  // passes the session answers 408 and closes. Zero disables it. The body has its own, below.
  std::chrono::milliseconds header_timeout = kDefaultHeaderTimeout;
  // HTTP: how long the server waits for the next byte of a request body (a slow-POST defence,
  // like nginx's client_body_timeout): the gap between two reads, not the whole body. When it
  // passes the session answers 408 and closes. Zero disables it.
  std::chrono::milliseconds body_timeout = kDefaultBodyTimeout;
  // HTTP and the WebSocket handshake: how long a connection may sit between requests (from
  // accept, or from the last reply) with nothing sent before the server closes it, silently,
  // as nginx's keepalive_timeout does. Without it a client that connects and sends nothing
  // holds a blocking design's worker for ever. Zero disables it. Upgraded WebSocket connections
  // are not covered (they are long-lived by design).
  std::chrono::milliseconds keepalive_timeout = kDefaultKeepAliveTimeout;

  std::size_t websocket_max_message() const {
    return ws_max_message != 0 ? ws_max_message : package_max_length;
  }
};

// What one call into a Session asks of the driver. The driver appends nothing itself; it
// writes `bytes` to the connection in order, and once they are written closes the connection
// when `close` is set. A driver may reuse one SessionOutput across calls (see clear()).
struct SessionOutput {
  std::string bytes;
  // Close the connection after `bytes` are flushed. Set once; the session takes no more input.
  bool close = false;
  // A line for the server log when the session fails the connection (oversize frame, ...).
  std::string log;
  // Encoded messages for every member of the sender's broadcast_group(), the sender included.
  // The driver hands each to Session::on_broadcast of each member.
  std::vector<std::string> broadcasts;

  void clear() {
    bytes.clear();
    close = false;
    log.clear();
    broadcasts.clear();
  }
};

class Session {
 public:
  virtual ~Session() = default;

  // Bytes received from the peer, any split (one byte at a time works).
  virtual void on_bytes(std::string_view data, const Now& now, SessionOutput& out) = 0;

  // The peer closed its sending side (read returned 0). Sessions that frame by EOF or hold
  // deferred replies decide here whether anything is still to be sent.
  virtual void on_peer_closed(const Now& now, SessionOutput& out) { out.close = true; }

  // The earliest time at which the driver must call on_deadline; nullopt when nothing is due.
  // Timer protocol commands, delayed HTTP replies (/sleep) and HTTP's header, body and
  // keep-alive timeouts use it.
  // Drivers call it after every call into the session (some for every connection on every
  // wake-up), so implementations keep it O(1).
  virtual std::optional<TimePoint> next_deadline() const { return std::nullopt; }
  virtual void on_deadline(const Now& now, SessionOutput& out) {}

  // Not empty once this connection has joined a broadcast group (WebSocket /broadcast).
  virtual std::string_view broadcast_group() const { return {}; }
  // A message some member of the group sent; the session may drop it (e.g. after a close frame).
  virtual void on_broadcast(std::string_view encoded, SessionOutput& out) {}
};

// The session for one new connection, accepted at `opened` (the keep-alive clock of an HTTP
// connection that never sends a byte starts there). Every architecture creates its sessions here.
std::unique_ptr<Session> make_session(Protocol protocol, const ProtocolConfig& config,
                                      TimePoint opened);

}  // namespace archbench
