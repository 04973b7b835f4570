// Fuzz target: --protocol eof (protocols/framing/eof_session.h) against a reference model.
//
// Options: bits 0-2 the delimiter (including self-overlapping ones such as "aa" and "aba",
// where a resumed search is easy to get wrong), bits 3-5 package_max_length (default, or the
// delimiter's length plus 0, 1, 3, 8, 17, 64, 300), bit 6 the peer closes at the end.
//
// Oracles: the whole and the split run equal each other and the model, which reads the spec of
// eof_session.h literally: each message ends at the first delimiter after the previous one and
// is echoed with it; a message (delimiter included) over the limit, or max_length bytes without
// a delimiter, closes the connection after the messages before it; nothing else is sent.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/check.h"
#include "fuzz/session_transcript.h"
#include "fuzz/split_input.h"
#include "protocols/session.h"

namespace archbench::fuzz {
namespace {

Transcript model(std::string_view in, std::string_view delimiter, std::size_t max_length) {
  Transcript t;
  while (true) {
    const std::size_t found = in.find(delimiter);
    if (found == std::string_view::npos) {
      t.closed = in.size() >= max_length;  // no room left for the delimiter
      return t;
    }
    const std::size_t end = found + delimiter.size();
    if (end > max_length) {
      t.closed = true;
      return t;
    }
    t.bytes.append(in.substr(0, end));
    in.remove_prefix(end);
  }
}

}  // namespace
}  // namespace archbench::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace archbench;
  using namespace archbench::fuzz;
  const auto input = read_split_input(data, size);
  if (!input) return 0;
  static const std::string kDelimiters[] = {"\r\n", "\n", std::string(1, '\0'), "aa",
                                            "aba", "\r\n\r\n", "END", "xyzxy"};
  static constexpr std::size_t kExtra[] = {0, 0, 1, 3, 8, 17, 64, 300};
  ProtocolConfig config;
  config.package_eof = kDelimiters[input->option_bits(0, 3)];
  const unsigned limit_class = input->option_bits(3, 3);
  if (limit_class != 0) config.package_max_length = config.package_eof.size() + kExtra[limit_class];
  DriveOptions options;
  options.peer_close_at_end = input->option(6);

  auto whole_session = make_session(Protocol::kEof, config, fuzz_now().steady);
  const Transcript whole = drive(*whole_session, {input->payload}, options);
  auto split_session = make_session(Protocol::kEof, config, fuzz_now().steady);
  const Transcript split = drive(*split_session, cut(input->payload, input->piece_lengths), options);
  std::string difference = first_difference(whole, split);
  FUZZ_CHECK(difference.empty(), "whole vs split: " + difference);

  Transcript expected = model(input->payload, config.package_eof, config.package_max_length);
  expected.closed = expected.closed || options.peer_close_at_end;
  expected.closed_by_peer = whole.closed_by_peer;  // who closed is compared through `closed`
  difference = first_difference(whole, expected);
  FUZZ_CHECK(difference.empty(), "session vs model (delimiter " + shown(config.package_eof) +
                                     ", limit " + std::to_string(config.package_max_length) +
                                     "): " + difference);
  return 0;
}
