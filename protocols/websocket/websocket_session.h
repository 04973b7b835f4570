// --protocol websocket, after a successful handshake: the RFC 6455 server side of one
// connection. Text and binary messages are echoed (one frame per message, same opcode), pings
// answered, the close handshake completed; on /broadcast, messages go to the whole group instead.
//
// Failures (RFC 6455 7.1.7 "fail the WebSocket connection"): the session sends one Close frame
// with the code (1002 protocol error, 1007 invalid UTF-8, 1009 too big) and a short reason,
// sets out.close and writes out.log; input after that is ignored. Frames completed before the
// bad one in the same read are still answered: they were valid when they arrived.
//
// A Close frame without a status code is answered with 1000. RFC 6455 5.5.1 says the reply
// "typically echos the status code it received"; with none received, 1000 (normal closure) is
// the honest code, and every client (Autobahn, browsers, python-websockets) accepts it.
//
// Thread-safety: one connection's state, used by one thread at a time (see Session).
#pragma once

#include <cstddef>
#include <string>

#include "protocols/session.h"
#include "protocols/websocket/frame.h"
#include "protocols/websocket/utf8.h"

namespace archbench::websocket {

class WebSocketSession final : public Session {
 public:
  // broadcast: the handshake was on /broadcast and the architecture can broadcast; the
  // session then reports broadcast_group() "/broadcast" and sends messages to the group.
  WebSocketSession(const ProtocolConfig& config, bool broadcast);

  void on_bytes(std::string_view data, const Now& now, SessionOutput& out) override;
  // No close frame from the peer (TCP closed): nothing can be sent back usefully; just close.
  void on_peer_closed(const Now& now, SessionOutput& out) override;
  std::string_view broadcast_group() const override;
  // Appends the encoded frame unless this session has sent or received a Close.
  void on_broadcast(std::string_view encoded, SessionOutput& out) override;

 private:
  // Handles one complete frame. Returns false when the session is done (close or failure).
  bool on_frame(const Frame& frame, SessionOutput& out);
  // Validates the not-yet-checked bytes of a text message frame (partial or complete).
  bool check_text(const Frame& frame, bool frame_complete);
  void deliver(Opcode opcode, std::string_view message, SessionOutput& out);
  void fail(std::uint16_t code, std::string_view reason, SessionOutput& out);

  FrameDecoder decoder_;
  Utf8Validator utf8_;
  bool broadcast_;
  // Payload of the open fragmented message, fragments so far (empty between messages).
  std::string message_;
  // Bytes of the current frame's payload already fed to utf8_ (it validates partial frames).
  std::size_t validated_ = 0;
  // A Close was sent or received: no more input is read and no more broadcasts are sent.
  bool closed_ = false;
};

}  // namespace archbench::websocket
