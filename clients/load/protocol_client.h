// The one small interface between the connection state machine and a protocol: what to send
// for the next request, and whether the bytes that came back are exactly the right reply.
// One implementation per protocol (exact_reply_client.cc for echo/eof/length, http_client.cc,
// websocket_client.cc, timer_client.cc); make_protocol_client() picks one.
//
// Replies are matched in order: the k-th complete reply answers the k-th request. Every
// protocol here guarantees that order on one connection (HTTP pipelining included; timer
// requests all ask for the same delay, so they fire in order). WebSocket broadcast mode is the
// exception: messages of every group member arrive, each with a tag that names its sender and
// number, and the connection sorts them out with the BroadcastGroup.
//
// Thread-safety: one instance per connection, used by that connection's thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "clients/load/broadcast_message.h"
#include "clients/load/options.h"

namespace archbench::load {

struct ReplyVerdict {
  enum class Kind {
    kOk,
    kWrong,       // not the reply the request asks for (any protocol)
    kHttpStatus,  // a well-formed HTTP reply whose status is not 2xx
    // The server refused the workload as not implemented by its design (501 to the /broadcast
    // handshake, DESIGN.md); `got` holds the reason it gave. Only as a handshake verdict.
    kUnsupported,
  };
  Kind kind = Kind::kOk;
  int http_status = 0;
  // The server will close the connection after this reply (HTTP "Connection: close"); the
  // connection reconnects without counting an error.
  bool peer_closes = false;
  // Broadcast mode: the message's tag, when it could be read (also on a kWrong verdict whose
  // body was bad, so order tracking goes on).
  std::optional<BroadcastTag> tag;
  // A kWrong reply after which the byte stream still lines up (a well-framed broadcast message
  // with a bad tag or body): the connection counts it and goes on instead of starting over.
  bool stream_intact = false;
  // Filled only when kind != kOk: short, printable descriptions for the report.
  std::string expected;
  std::string got;
};

struct ParseStep {
  enum class Event {
    kNeedMore,   // every byte given was used; the reply (or handshake) is not complete yet
    kHandshake,  // the opening handshake finished (verdict says whether it was accepted)
    kReply,      // one reply finished; `verdict` judges it
    kPing,       // the server sent a ping; its pong waits in take_output() (RFC 6455 5.5.2)
  };
  Event event = Event::kNeedMore;
  std::size_t used = 0;  // bytes of the input that belong to what finished (or all of them)
};

class ProtocolClient {
 public:
  virtual ~ProtocolClient() = default;

  // Called once per (re)connection before any request: appends the opening handshake, if the
  // protocol has one, and returns whether it has one (then requests wait for kHandshake).
  virtual bool start(std::string& out) { return false; }

  // Appends the next request's bytes. In WebSocket broadcast mode the k-th call of the
  // client's lifetime sends the message with sequence number k.
  virtual void append_request(std::string& out) = 0;

  // Appends bytes the protocol owes the server outside of any request (the pong that answers a
  // ping) and forgets them. Call after a kPing step.
  virtual void take_output(std::string& out) {}

  // The delay the server adds on purpose before answering (timer protocol: AFTER <ms>); the
  // connection subtracts it, so the histogram records lateness. Zero for the others.
  virtual std::chrono::microseconds intended_delay() const { return {}; }

  // Consumes reply bytes. Call again with the rest of the input after a kHandshake or kReply.
  // After a verdict other than kOk (or kHttpStatus), the caller discards the connection: the
  // byte stream can no longer be trusted to line up with the requests.
  virtual ParseStep consume(std::string_view data, ReplyVerdict& verdict) = 0;

  // The peer closed the connection. A reply whose end is the close (an HTTP body without
  // Content-Length) completes here: kReply with its verdict. kNeedMore: nothing completed.
  virtual ParseStep on_peer_closed(ReplyVerdict& verdict) { return {}; }

  // Forgets any partial reply and the handshake state: the connection is being replaced.
  virtual void reset() = 0;
};

// The client for options.protocol. `connection_index` makes each connection's payload
// different (seeded from options.seed). Throws std::invalid_argument for a protocol that has
// no client.
std::unique_ptr<ProtocolClient> make_protocol_client(const Options& options,
                                                     std::uint64_t connection_index);

}  // namespace archbench::load
