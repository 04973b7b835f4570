// Fuzz target: FrameDecoder in the server role (it decodes what a client sends: masked frames).
// The checks are shared with the other role; see websocket_frame_check.h.
#include <cstddef>
#include <cstdint>

#include "fuzz/websocket_frame_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  archbench::fuzz::check_frame_decoder(data, size, archbench::websocket::Role::kServer);
  return 0;
}
