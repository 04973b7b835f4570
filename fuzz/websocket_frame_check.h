// The body of both FrameDecoder fuzz targets (websocket_frame_server_fuzzer.cc and
// websocket_frame_client_fuzzer.cc): the same checks, run for one role.
//
// Oracles, for an input laid out as in split_input.h (options bits 0-1 pick the message limit,
// bits 2-3 a masking-key phase):
//   1. whole vs split: the frames, the error and the frame in progress are the same whichever
//      way the bytes are cut;
//   2. differential: they equal reference_decode()'s (websocket_reference.h);
//   3. partial(): each snapshot of a frame in progress is a prefix of that frame's payload, and
//      kNeedMore always means the input was used up;
//   4. round trip: the decoded frames, encoded again with append_frame(), decode to themselves;
//   5. mask_copy() at any phase and in place equals a byte-by-byte XOR.
//
// Thread-safety: plain function.
#pragma once

#include <cstddef>
#include <cstdint>

#include "protocols/websocket/frame.h"

namespace archbench::fuzz {

void check_frame_decoder(const std::uint8_t* data, std::size_t size, websocket::Role role);

}  // namespace archbench::fuzz
