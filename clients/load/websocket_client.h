// Client for --protocol websocket: the opening handshake on --path (checked with the protocol
// suite's verify_server_handshake), then one masked message per request, text (random printable
// ASCII, valid UTF-8) or binary (--ws-binary), of --message-size bytes. Each reply must be one
// message with the same opcode and the same payload, reassembled if the server fragments it.
//
// Control frames from the server: ping and pong are skipped (a load client does not answer
// pings; no archbench server sends them unprompted); a close frame is a wrong reply (the server
// ended the conversation while a message was owed).
//
// Thread-safety: see ProtocolClient (one connection's thread).
#pragma once

#include <memory>

#include "clients/load/protocol_client.h"

namespace archbench::load {

std::unique_ptr<ProtocolClient> make_websocket_client(const Options& options,
                                                      std::uint64_t connection_index);

}  // namespace archbench::load
