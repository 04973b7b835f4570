// Fuzz target: --protocol length (protocols/framing/length_session.h) against a reference model.
//
// Options: bits 0-2 package_max_length (default, 0, 1, 5, 16, 100, 1000, 0x7fffffff), bit 3 the
// peer closes at the end.
//
// Oracles: the whole and the split run equal each other and the model (4-byte big-endian
// length, that many body bytes, each frame echoed as received; a length over the limit closes
// the connection as soon as its header is in, after the frames before it). The log line for a
// bad header (describe_oversize_length_frame, likely_cause_of_bad_length) runs on every
// rejected header, so its text code is fuzzed too.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/check.h"
#include "fuzz/session_transcript.h"
#include "fuzz/split_input.h"
#include "protocols/framing/length_framer.h"
#include "protocols/session.h"

namespace archbench::fuzz {
namespace {

Transcript model(std::string_view in, std::size_t max_length) {
  Transcript t;
  while (in.size() >= 4) {
    std::uint64_t length = 0;
    for (std::size_t i = 0; i < 4; ++i) length = length * 256 + static_cast<unsigned char>(in[i]);
    if (length > max_length) {
      t.closed = true;
      return t;
    }
    if (in.size() < 4 + length) return t;
    t.bytes.append(in.substr(0, 4 + length));
    in.remove_prefix(4 + length);
  }
  return t;
}

}  // namespace
}  // namespace archbench::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace archbench;
  using namespace archbench::fuzz;
  const auto input = read_split_input(data, size);
  if (!input) return 0;
  static constexpr std::size_t kLimits[] = {kDefaultPackageMaxLength, 0, 1, 5, 16, 100, 1000,
                                            0x7fffffff};
  ProtocolConfig config;
  config.package_max_length = kLimits[input->option_bits(0, 3)];
  DriveOptions options;
  options.peer_close_at_end = input->option(3);

  auto whole_session = make_session(Protocol::kLength, config, fuzz_now().steady);
  const Transcript whole = drive(*whole_session, {input->payload}, options);
  auto split_session = make_session(Protocol::kLength, config, fuzz_now().steady);
  const Transcript split = drive(*split_session, cut(input->payload, input->piece_lengths), options);
  std::string difference = first_difference(whole, split);
  FUZZ_CHECK(difference.empty(), "whole vs split: " + difference);

  Transcript expected = model(input->payload, config.package_max_length);
  expected.closed = expected.closed || options.peer_close_at_end;
  expected.closed_by_peer = whole.closed_by_peer;
  difference = first_difference(whole, expected);
  FUZZ_CHECK(difference.empty(), "session vs model (limit " +
                                     std::to_string(config.package_max_length) + "): " + difference);

  // The diagnosis must cope with any header and limit.
  if (input->payload.size() >= 4) {
    framing::likely_cause_of_bad_length(input->payload.substr(0, 4), config.package_max_length);
  }
  return 0;
}
