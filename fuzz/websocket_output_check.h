// Checks what a WebSocket server session wrote, as a strict client would read it.
//
// decode_server_frames() reads the bytes with the client-role FrameDecoder and FUZZ_CHECKs the
// properties every server frame must have whatever the client sent: complete, unmasked,
// unfragmented (this server sends one frame per message), text that is valid UTF-8, at most one
// Close, last, with a code a peer may send and a UTF-8 reason. expect_server() then compares the
// frames with reference_echo_server()'s prediction.
//
// Thread-safety: plain functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/session_transcript.h"
#include "fuzz/websocket_reference.h"

namespace archbench::fuzz {

struct ServerFrame {
  std::uint8_t opcode = 0;
  std::string payload;
};

std::vector<ServerFrame> decode_server_frames(std::string_view bytes);

// `frames_bytes`: what the session wrote after the 101 response; broadcasts come from the
// transcript. Compares opcodes and payloads (close frames by code) with `expected`.
void expect_server(std::string_view frames_bytes, const std::vector<std::string>& broadcasts,
                   const ExpectedServer& expected);

}  // namespace archbench::fuzz
