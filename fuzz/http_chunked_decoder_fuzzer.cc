// Fuzz target: the chunked transfer-coding decoder (protocols/http/chunked_decoder.h).
//
// Options: bits 0-1 max_body (1 MiB, 0, 5, 100), bits 2-3 max_trailer (8192, 0, 10, 100).
//
// Oracles:
//   - whole vs split: the same body, the same end of the chunked body, the same error;
//   - kNeedMore consumes everything; the body never exceeds max_body; errors are 400/413/431;
//   - when the decoder accepts, a naive re-reading of the accepted bytes (hex size, skip to
//     LF, data, CRLF, ..., trailer lines to the empty one) finds the same body and the same end:
//     whatever the strict decoder accepts must mean what the simplest reading says it means;
//   - round trip: the body, re-chunked at the input's piece lengths, decodes to itself.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "fuzz/check.h"
#include "fuzz/split_input.h"
#include "protocols/http/chunked_decoder.h"

namespace archbench::fuzz {
namespace {

struct Decoded {
  std::string body;
  bool done = false;
  std::size_t end = 0;  // after done: the bytes of the chunked body
  int error_status = 0;
};

Decoded decode(std::size_t max_body, std::size_t max_trailer,
               const std::vector<std::string_view>& pieces) {
  Decoded d;
  http::ChunkedDecoder decoder(max_body, max_trailer);
  std::size_t offset = 0;
  for (std::string_view piece : pieces) {
    const http::ChunkedDecoder::Result r = decoder.feed(piece, d.body);
    FUZZ_CHECK(r.consumed <= piece.size(), "consumed more than given");
    FUZZ_CHECK(d.body.size() <= max_body, "body over max_body");
    if (r.status == http::ChunkedDecoder::Status::kError) {
      d.error_status = decoder.error().status;
      return d;
    }
    if (r.status == http::ChunkedDecoder::Status::kDone) {
      d.done = true;
      d.end = offset + r.consumed;
      return d;
    }
    FUZZ_CHECK(r.consumed == piece.size(), "kNeedMore left bytes unconsumed");
    offset += piece.size();
  }
  return d;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The simplest reading of a chunked body that the decoder accepted; nullopt when even that
// reading fails (which is then the finding).
std::optional<Decoded> naive_read(std::string_view in) {
  Decoded d;
  std::size_t at = 0;
  auto skip_line = [&]() -> bool {
    const std::size_t lf = in.find('\n', at);
    if (lf == std::string_view::npos) return false;
    at = lf + 1;
    return true;
  };
  while (true) {
    std::uint64_t size = 0;
    std::size_t digits = 0;
    while (at < in.size() && hex_value(in[at]) >= 0) {
      size = size * 16 + static_cast<std::uint64_t>(hex_value(in[at++]));
      ++digits;
    }
    if (digits == 0 || !skip_line()) return std::nullopt;
    if (size == 0) break;
    if (in.size() - at < size + 2) return std::nullopt;
    d.body.append(in.substr(at, size));
    at += size;
    if (in.substr(at, 2) != "\r\n") return std::nullopt;
    at += 2;
  }
  while (true) {  // trailer lines, up to the empty one
    const std::size_t line_start = at;
    if (!skip_line()) return std::nullopt;
    if (at - line_start == 2) break;
  }
  d.done = true;
  d.end = at;
  return d;
}

}  // namespace
}  // namespace archbench::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace archbench::fuzz;
  const auto input = read_split_input(data, size);
  if (!input) return 0;
  static constexpr std::size_t kBodies[] = {1u << 20, 0, 5, 100};
  static constexpr std::size_t kTrailers[] = {8192, 0, 10, 100};
  const std::size_t max_body = kBodies[input->option_bits(0, 2)];
  const std::size_t max_trailer = kTrailers[input->option_bits(2, 2)];
  const std::string_view payload = input->payload;

  const Decoded whole = decode(max_body, max_trailer, {payload});
  const Decoded split = decode(max_body, max_trailer, cut(payload, input->piece_lengths));
  FUZZ_CHECK(whole.body == split.body && whole.done == split.done && whole.end == split.end &&
                 whole.error_status == split.error_status,
             "whole vs split: body " + shown(whole.body, 40) + " vs " + shown(split.body, 40) +
                 ", end " + std::to_string(whole.end) + " vs " + std::to_string(split.end) +
                 ", error " + std::to_string(whole.error_status) + " vs " +
                 std::to_string(split.error_status));
  const int e = whole.error_status;
  FUZZ_CHECK(e == 0 || e == 400 || e == 413 || e == 431, "undocumented status " + std::to_string(e));

  if (whole.done) {
    const std::optional<Decoded> naive = naive_read(payload.substr(0, whole.end));
    FUZZ_CHECK(naive && naive->body == whole.body && naive->end == whole.end,
               "accepted " + shown(payload.substr(0, whole.end), 200) + " as body " +
                   shown(whole.body, 60) + " but a plain reading " +
                   (naive ? "gives body " + shown(naive->body, 60) + " ending at " +
                                std::to_string(naive->end)
                          : std::string("fails")));
  }

  // Round trip: re-chunk the body (whatever was decoded) at the input's piece lengths.
  std::string encoded;
  std::string_view rest = whole.body;
  for (std::string_view piece : cut(rest, input->piece_lengths)) {
    char size_line[32];
    const int n = std::snprintf(size_line, sizeof size_line, "%zx;ext=1\r\n", piece.size());
    encoded.append(size_line, static_cast<std::size_t>(n));
    encoded.append(piece);
    encoded.append("\r\n");
  }
  encoded.append("0\r\nTrailer: x\r\n\r\n");
  const Decoded again = decode(1u << 20, 8192, {encoded});
  FUZZ_CHECK(again.done && again.body == whole.body && again.end == encoded.size(),
             "re-chunked body does not decode to itself: " + shown(encoded, 200));
  return 0;
}
