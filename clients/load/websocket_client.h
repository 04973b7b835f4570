// Client for --protocol websocket: the opening handshake on --path (checked with the protocol
// suite's verify_server_handshake), then one masked message per request, text (random printable
// ASCII, valid UTF-8) or binary (--ws-binary), of --message-size bytes.
//
// Echo mode (any path but /broadcast): each reply must be one message with the same opcode and
// the same payload, reassembled if the server fragments it.
//
// Broadcast mode (--path /broadcast): each message carries a tag, its sender's connection index
// and sequence number (broadcast_message.h). Every message that arrives, from any member, is
// checked against the body its tag promises and handed to the connection as a kReply with
// verdict.tag set; the connection decides whether it was its own copy or another member's
// (broadcast_group.h). A 501 answer to the handshake is kUnsupported, with the reason from the
// response body: the architecture cannot share connections, by design.
//
// Control frames from the server: a ping is answered with a pong carrying the same payload
// (RFC 6455 5.5.2; the step is kPing and the pong waits in take_output()); an unsolicited pong
// is ignored (5.5.3); a close frame is a wrong reply (the server ended the conversation while a
// message was owed).
//
// Thread-safety: see ProtocolClient (one connection's thread).
#pragma once

#include <memory>

#include "clients/load/protocol_client.h"

namespace archbench::load {

std::unique_ptr<ProtocolClient> make_websocket_client(const Options& options,
                                                      std::uint64_t connection_index);

}  // namespace archbench::load
