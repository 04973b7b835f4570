// Fuzz target: the incremental UTF-8 validator (protocols/websocket/utf8.h) against the naive
// code-point reference in utf8_reference.h, a differential oracle.
//
// For every input, fed whole and in the pieces the input's header chooses (split_input.h):
//   - is_valid_utf8() agrees with the reference;
//   - feed() of each piece returns false exactly when the piece reaches the reference's first
//     bad byte (fail fast, RFC 6455 8.1), and stays false afterwards (sticky);
//   - complete() at the end agrees with "valid and not truncated";
//   - reset() gives a validator that behaves like a new one.
#include <cstddef>
#include <cstdint>

#include "fuzz/check.h"
#include "fuzz/split_input.h"
#include "fuzz/utf8_reference.h"
#include "protocols/websocket/utf8.h"

namespace archbench::fuzz {
namespace {

void check_pieces(websocket::Utf8Validator& validator, std::string_view payload,
                  const std::vector<std::string_view>& pieces, const Utf8Scan& expected) {
  std::size_t end = 0;
  for (std::string_view piece : pieces) {
    end += piece.size();
    const bool accepted = validator.feed(piece);
    const bool should_accept = expected.first_bad == Utf8Scan::kNone || expected.first_bad >= end;
    FUZZ_CHECK(accepted == should_accept,
               "feed() of bytes up to " + std::to_string(end) + " returned " +
                   (accepted ? "true" : "false") + "; reference first bad byte at " +
                   (expected.first_bad == Utf8Scan::kNone ? std::string("none")
                                                          : std::to_string(expected.first_bad)) +
                   " in " + shown(payload, 64));
    FUZZ_CHECK(validator.failed() == !should_accept, "failed() disagrees with feed()");
  }
  FUZZ_CHECK(validator.complete() == expected.valid(),
             std::string("complete() is ") + (validator.complete() ? "true" : "false") +
                 " for " + shown(payload, 64));
}

}  // namespace
}  // namespace archbench::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace archbench::fuzz;
  const auto input = read_split_input(data, size);
  if (!input) return 0;
  const std::string_view payload = input->payload;
  const Utf8Scan expected = reference_scan_utf8(payload);

  FUZZ_CHECK(archbench::websocket::is_valid_utf8(payload) == expected.valid(),
             "is_valid_utf8 disagrees with the reference for " + shown(payload, 64));

  archbench::websocket::Utf8Validator validator;
  check_pieces(validator, payload, {payload}, expected);
  validator.reset();
  check_pieces(validator, payload, cut(payload, input->piece_lengths), expected);

  // Sticky failure: more valid ASCII after a failure must not revive the validator.
  if (expected.first_bad != Utf8Scan::kNone) {
    FUZZ_CHECK(!validator.feed("ascii"), "feed() returned true after a failure");
  }
  return 0;
}
