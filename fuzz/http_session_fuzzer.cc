// Fuzz target: a whole --protocol http session (parser, application, writer, deferred replies,
// the backlog bound and the WebSocket upgrade seam), through make_session().
//
// Options: bit 0 the peer closes at the end; bits 1-2 package_max_length (2 MiB, 16, 200,
// 4096: small limits reach 413 and the pipelining backlog bound); bit 3 the architecture can
// broadcast.
//
// Oracles:
//   - whole vs split: the same bytes (100 Continue aside, see without_continues()), the same
//     broadcasts and the same close, however the input is cut;
//   - every reply parses with our client parser and follows the wire contract
//     (http_output_check.h); a connection the server closes itself ends with a response that
//     says "Connection: close", and after a 101 only well-formed server frames follow;
//   - the driver's own checks (session_transcript.h): no deadline stays due after on_deadline.
#include <cstddef>
#include <cstdint>

#include "fuzz/check.h"
#include "fuzz/http_output_check.h"
#include "fuzz/session_transcript.h"
#include "fuzz/split_input.h"
#include "fuzz/websocket_output_check.h"
#include "protocols/session.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace archbench;
  using namespace archbench::fuzz;
  const auto input = read_split_input(data, size);
  if (!input) return 0;
  static constexpr std::size_t kLimits[] = {kDefaultPackageMaxLength, 16, 200, 4096};
  ProtocolConfig config;
  // The driver jumps to every deadline at the end, so a keep-alive clock would close every
  // connection by itself and hide the peer-close path; its unit tests cover it.
  config.keepalive_timeout = std::chrono::milliseconds(0);
  config.package_max_length = kLimits[input->option_bits(1, 2)];
  config.can_broadcast = input->option(3);
  DriveOptions options;
  options.peer_close_at_end = input->option(0);

  auto whole_session = make_session(Protocol::kHttp, config, fuzz_now().steady);
  const Transcript whole = drive(*whole_session, {input->payload}, options);
  auto split_session = make_session(Protocol::kHttp, config, fuzz_now().steady);
  Transcript split = drive(*split_session, cut(input->payload, input->piece_lengths), options);

  Transcript whole_final = whole;
  whole_final.bytes = without_continues(whole.bytes);
  split.bytes = without_continues(split.bytes);
  const std::string difference = first_difference(whole_final, split);
  FUZZ_CHECK(difference.empty(), "whole vs split: " + difference);

  // Which replies answer HEAD: the same parser limits as the session's (http_session.cc).
  http::RequestLimits limits;
  limits.max_body = config.package_max_length;
  limits.max_header_section = 8192;
  std::vector<bool> head;
  for (const std::string& method : request_methods(input->payload, limits)) {
    head.push_back(method == "HEAD");
  }
  const ServerReplies replies = parse_server_replies(whole.bytes, head);
  if (replies.upgraded) {
    decode_server_frames(replies.after_upgrade);
  } else if (whole.closed && !whole.closed_by_peer) {
    FUZZ_CHECK(!replies.responses.empty() && !replies.responses.back().keep_alive,
               "the server closed without a final \"Connection: close\" response: " +
                   shown(whole.bytes, 300));
  }
  return 0;
}
