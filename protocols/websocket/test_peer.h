// Test support: plays the client side against a WebSocketSession (masked frames in, server
// frames out) and feeds a session the way a driver would, in pieces of any size.
//
// Thread-safety: plain functions; test use only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/session.h"
#include "protocols/websocket/frame.h"

namespace archbench::websocket::testing {

inline constexpr MaskingKey kTestKey = {0x37, 0xfa, 0x21, 0x3d};  // RFC 6455 5.7's key

// A masked client frame.
std::string client_frame(Opcode opcode, std::string_view payload, bool fin = true);

// A frame with any first byte (FIN, RSV, opcode as given), masked with kTestKey when `masked`.
// For frames the encoder refuses to make (reserved opcodes, RSV bits, unmasked client frames).
std::string raw_frame(std::uint8_t first_byte, std::string_view payload, bool masked = true);

// A text message split into fragments of `piece` bytes of payload (the last may be shorter);
// an empty message is a single frame.
std::string fragmented(Opcode opcode, std::string_view payload, std::size_t piece);

struct ServerFrame {
  Opcode opcode = Opcode::kContinuation;
  bool fin = true;
  std::string payload;
};

// Decodes what the server sent. Fails the calling test (ADD_FAILURE) when the bytes are not
// complete, well-formed, unmasked frames.
std::vector<ServerFrame> server_frames(std::string_view bytes);

// The status code of a server Close frame (0 when the payload has none).
std::uint16_t close_code(const ServerFrame& frame);

// Everything a session produced over several calls.
struct Collected {
  std::string bytes;
  bool close = false;
  std::string log;
  std::vector<std::string> broadcasts;
  std::size_t calls = 0;
};

// Feeds `data` to the session in pieces of `piece` bytes (0: all at once). It keeps feeding
// after out.close so that tests also prove a closed session ignores input.
Collected feed(Session& session, std::string_view data, std::size_t piece = 0);

// Feeds the given pieces in order.
Collected feed_pieces(Session& session, const std::vector<std::string_view>& pieces);

ProtocolConfig test_config(std::size_t max_message = kDefaultPackageMaxLength);

// A deterministic payload of n bytes: printable ASCII for text, all byte values for binary.
std::string payload_of(Opcode opcode, std::size_t n);

}  // namespace archbench::websocket::testing
