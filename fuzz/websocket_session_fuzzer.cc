// Fuzz target: a --protocol websocket session after a fixed, valid opening handshake.
//
// The stream the session sees is the handshake followed by the fuzz payload (client frames),
// cut as split_input.h says, so the handshake's last bytes and the first frames often share a
// read (the HTTP session must hand them over). Options: bit 0 peer closes at the end, bit 1 the
// handshake is on /broadcast of an architecture that can broadcast, bits 2-3 the message limit.
//
// Oracles: the whole and the split run write the same bytes and broadcasts; the answer starts
// with a correct 101; every frame after it is one a strict client accepts
// (websocket_output_check.h); and the frames are exactly what reference_echo_server() predicts
// for the payload: echoes, pongs, and the close code (1000 echo, 1002, 1007, 1009).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/check.h"
#include "fuzz/session_transcript.h"
#include "fuzz/split_input.h"
#include "fuzz/websocket_output_check.h"
#include "fuzz/websocket_reference.h"
#include "protocols/session.h"

namespace archbench::fuzz {
namespace {

// The key and accept value of RFC 6455 1.3.
constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view kAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

std::string handshake(bool broadcast) {
  return std::string("GET ") + (broadcast ? "/broadcast" : "/chat") +
         " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: " + std::string(kKey) + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

}  // namespace
}  // namespace archbench::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace archbench;
  using namespace archbench::fuzz;
  const auto input = read_split_input(data, size);
  if (!input) return 0;
  const bool broadcast = input->option(1);
  static constexpr std::size_t kLimits[] = {kDefaultPackageMaxLength, 0, 10, 200};
  ProtocolConfig config;
  // The driver jumps to every deadline at the end, so a keep-alive clock would close every
  // connection by itself and hide the peer-close path; its unit tests cover it.
  config.keepalive_timeout = std::chrono::milliseconds(0);
  config.ws_max_message = kLimits[input->option_bits(2, 2)];
  if (config.ws_max_message == 0) config.package_max_length = 1;  // a limit of 1 byte
  config.can_broadcast = broadcast;
  const std::size_t max_message = config.websocket_max_message();

  const std::string stream = handshake(broadcast) + std::string(input->payload);
  DriveOptions options;
  options.peer_close_at_end = input->option(0);

  auto whole_session = make_session(Protocol::kWebSocket, config, fuzz_now().steady);
  const Transcript whole = drive(*whole_session, {stream}, options);
  auto split_session = make_session(Protocol::kWebSocket, config, fuzz_now().steady);
  const Transcript split = drive(*split_session, cut(stream, input->piece_lengths), options);
  const std::string difference = first_difference(whole, split);
  FUZZ_CHECK(difference.empty(), "whole vs split: " + difference);

  const std::string_view bytes = whole.bytes;
  const std::size_t header_end = bytes.find("\r\n\r\n");
  FUZZ_CHECK(bytes.rfind("HTTP/1.1 101 ", 0) == 0 && header_end != std::string_view::npos,
             "no 101 answer to a valid handshake: " + shown(bytes, 200));
  const std::string_view head = bytes.substr(0, header_end + 4);
  FUZZ_CHECK(head.find(std::string("Sec-WebSocket-Accept: ") + std::string(kAccept) + "\r\n") !=
                 std::string_view::npos,
             "wrong or missing Sec-WebSocket-Accept: " + shown(head, 400));

  const ExpectedServer expected = reference_echo_server(input->payload, max_message, broadcast);
  expect_server(bytes.substr(header_end + 4), whole.broadcasts, expected);
  if (expected.closed) {
    FUZZ_CHECK(whole.closed && !whole.closed_by_peer, "the server sent Close but kept reading");
  } else {
    FUZZ_CHECK(whole.closed == options.peer_close_at_end,
               "the connection closed without a Close frame or peer close");
  }
  return 0;
}
