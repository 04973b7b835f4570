// Fuzz target: FrameDecoder in the client role (it decodes what a server sends: unmasked frames).
// The checks are shared with the other role; see websocket_frame_check.h.
#include <cstddef>
#include <cstdint>

#include "fuzz/websocket_frame_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  archbench::fuzz::check_frame_decoder(data, size, archbench::websocket::Role::kClient);
  return 0;
}
