// What a reactor thread does with the bytes a client sends: the framing half of each protocol.
//
// The protocol suite's Sessions do framing AND the application in one object. The reactor model
// splits them: the reactor thread frames, a worker process handles. Rather than a second
// implementation of any protocol, each splitter drives the suite's own framing pieces and hands
// complete units to the connection (a FramingSink), which numbers them and sends them to a worker:
//
//   echo       every read is one message (echo has no framing)
//   eof        framing::EofFramer; a message over the limit is logged with
//              describe_oversize_eof_message() and closes that connection after earlier replies
//   length     framing::LengthFramer; an implausible length is logged with
//              describe_oversize_length_frame() (which names the likely cause, e.g. "GET ")
//   http       http::RequestParser; the parsed Request goes to a worker; bad input (400, 413,
//              431, 501, 505 ...) is answered by the reactor itself, in order, then the
//              connection closes; an upgrade request goes to the connection's owner worker,
//              which owns the WebSocket session from then on (the splitter turns into a pipe).
//              The header and body timeouts (protocols/http/request_clock.h) are kept here
//              too, as in HttpSession: a header section not complete by its deadline, or a
//              body whose next byte is late, is answered 408 by the reactor, after the
//              replies owed, and the connection closes
//   websocket  the same, every request being a handshake attempt
//   timer      a pipe from the start: the owner worker runs the TimerSession (its timers must
//              live where its state lives)
//
// Back-pressure: a splitter dispatches only while the sink has_room() (few enough requests in
// flight, the output not backed up). What it cannot dispatch yet it keeps (holding() is then
// true and the reactor stops reading that client) and dispatches from resume() as replies return.
// Kept input is not parsed, so not timed, until then; it carries the time of the read it came
// from (only one read is taken while holding).
//
// Thread-safety: one connection's state, used by its reactor thread only.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/http/response_writer.h"
#include "protocols/session.h"
#include "servers/reactor/ipc_message.h"

namespace archbench::reactor {

// The connection as its splitter sees it.
class FramingSink {
 public:
  virtual ~FramingSink() = default;
  // May one more request be dispatched now?
  virtual bool has_room() const = 0;
  // Every earlier request is answered and its reply queued for the client (no reply is owed).
  virtual bool nothing_owed() const = 0;
  // One complete request for a worker (kMessage, kHttpRequest or kUpgrade); the sink numbers it.
  virtual void dispatch(MessageType type, std::string_view payload) = 0;
  // A reply the reactor makes itself (bad input): sent after the replies owed before it, then
  // the connection closes. `log` goes to the server log.
  virtual void answer_and_close(std::string bytes, std::string log) = 0;
  // The client broke the framing: log, send the replies owed, then close.
  virtual void fail(std::string log) = 0;
  // Bytes for the stateful session of the owner worker.
  virtual void stream(std::string_view bytes) = 0;
  // Bytes for the client right now, outside the request order (100 Continue).
  virtual void write_now(std::string_view bytes) = 0;
  virtual const Now& now() const = 0;
};

class InboundSplitter {
 public:
  virtual ~InboundSplitter() = default;
  // Bytes from the client, any split. Everything is either dispatched or kept.
  virtual void on_bytes(std::string_view data, FramingSink& sink) = 0;
  // Room appeared (a reply came back): dispatch kept input.
  virtual void resume(FramingSink& sink) {}
  // Input is kept that waits for room: do not read more from the client until resume().
  virtual bool holding() const { return false; }
  // No further input will ever be dispatched (Connection: close, bad input, refused upgrade).
  virtual bool done() const { return false; }
  // All input goes raw to the owner worker's stateful session (stream()).
  virtual bool streaming() const { return false; }
  // HTTP only: between requests (no request byte received since the last one was dispatched,
  // nothing kept, no upgrade pending), which is when the keep-alive timeout may close it.
  virtual bool between_requests() const { return false; }
  // The owner accepted a WebSocket upgrade: the splitter becomes a pipe; returns the input that
  // arrived after the handshake request, to be streamed first.
  virtual std::string on_upgraded() { return {}; }
  // When on_deadline must be called (the header timeout of a request being received); nullopt
  // when nothing is due. O(1).
  virtual std::optional<TimePoint> next_deadline() const { return std::nullopt; }
  // The reactor woke at or after next_deadline() (earlier is harmless: nothing happens).
  virtual void on_deadline(FramingSink& sink) {}
};

// The splitter of `protocol`. `writer` is the reactor thread's ResponseWriter (for the replies
// the reactor makes itself); it must outlive the splitter.
std::unique_ptr<InboundSplitter> make_splitter(Protocol protocol, const ProtocolConfig& config,
                                               http::ResponseWriter& writer);

// True when `protocol` keeps per-connection state in the owner worker from the first byte.
bool starts_streaming(Protocol protocol);

}  // namespace archbench::reactor
