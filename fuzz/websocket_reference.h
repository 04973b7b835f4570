// A naive, non-incremental model of RFC 6455 framing and of the archbench echo server, the
// reference the WebSocket fuzz targets compare the real FrameDecoder and WebSocketSession with.
//
// reference_decode() reads a complete byte buffer front to back with none of the decoder's
// incremental state: it applies RFC 6455 5.2-5.4 and the documented choices of frame.h
// (non-minimal lengths accepted, the 64-bit MSB refused, the message limit judged from each
// header, base-byte errors reported as soon as two bytes are in) in the order frame.h states.
// reference_echo_server() then plays websocket_session.h's contract over those frames.
//
// Both trade speed for obviousness: they copy payloads, rescan whole messages for UTF-8 and
// never stop early for performance. Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/websocket/frame.h"

namespace archbench::fuzz {

struct ReferenceFrame {
  std::uint8_t opcode = 0;
  bool fin = true;
  bool message_start = false;
  std::uint8_t message_opcode = 0;  // text/binary for data frames, the opcode for control frames
  std::string payload;              // unmasked
};

struct ReferenceDecode {
  std::vector<ReferenceFrame> frames;
  std::uint16_t error_code = 0;  // 1002 or 1009 when the stream breaks; 0 otherwise
  // The frame whose header is complete but whose payload is not, at the end of the buffer.
  std::optional<ReferenceFrame> partial;
};

ReferenceDecode reference_decode(std::string_view bytes, websocket::Role role,
                                 std::size_t max_message);

// What the server must send: frames in order; a close frame is compared by its code only
// (the reason text is the server's to choose).
struct ExpectedServerFrame {
  std::uint8_t opcode = 0;
  std::string payload;     // data and pong frames
  std::uint16_t code = 0;  // close frames
  bool broadcast = false;  // a delivered message on /broadcast goes to the group, not back
};

struct ExpectedServer {
  std::vector<ExpectedServerFrame> frames;
  bool closed = false;  // the server sent a close (echoed or failing)
};

ExpectedServer reference_echo_server(std::string_view client_bytes, std::size_t max_message,
                                     bool broadcast);

}  // namespace archbench::fuzz
