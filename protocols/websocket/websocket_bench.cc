// Micro-benchmarks of the WebSocket codec: the per-message cost of a small echo, unmasking
// throughput on a large frame, and UTF-8 validation throughput. Linked into //protocols:bench
// (see BUILD: bench_lib); run alone with //protocols/websocket:websocket_bench.
#include <benchmark/benchmark.h>

#include <string>

#include "protocols/websocket/frame.h"
#include "protocols/websocket/utf8.h"
#include "protocols/websocket/websocket_session.h"

namespace archbench::websocket {
namespace {

constexpr MaskingKey kKey = {0x12, 0x34, 0x56, 0x78};

std::string filled(std::size_t n, bool ascii) {
  std::string s;
  s.reserve(n);
  const std::string multibyte = "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5 ";  // "κόσμε "
  while (s.size() < n) {
    if (ascii) {
      s.push_back(static_cast<char>('a' + s.size() % 26));
    } else {
      s += multibyte;
    }
  }
  s.resize(n);
  if (!ascii) {
    // Do not end inside a code point: drop the cut one and pad with ASCII.
    while (!is_valid_utf8(s)) s.pop_back();
    s.resize(n, 'x');
  }
  return s;
}

// Decode a 16-byte masked text frame and encode the unmasked reply: the codec's share of one
// small echo.
void BM_DecodeEncodeSmallText(benchmark::State& state) {
  const std::string wire = encode_frame(Opcode::kText, filled(16, true), true, kKey);
  FrameDecoder decoder(Role::kServer, 1 << 20);
  std::string out;
  for (auto _ : state) {
    std::string_view in = wire;
    if (decoder.decode(in) != DecodeStatus::kFrame) state.SkipWithError("decode failed");
    out.clear();
    append_frame(out, decoder.frame().opcode, decoder.frame().payload);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(wire.size()));
}
BENCHMARK(BM_DecodeEncodeSmallText);

// The whole session path for the same message: decode, UTF-8 check, echo.
void BM_SessionEchoSmallText(benchmark::State& state) {
  const std::string wire = encode_frame(Opcode::kText, filled(16, true), true, kKey);
  WebSocketSession session(ProtocolConfig{}, false);
  SessionOutput out;
  const Now now{};
  for (auto _ : state) {
    out.clear();
    session.on_bytes(wire, now, out);
    benchmark::DoNotOptimize(out.bytes.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(wire.size()));
}
BENCHMARK(BM_SessionEchoSmallText);

// Decoding a 64 KiB masked binary frame is dominated by unmasking (8 bytes per step).
void BM_Decode64KiBMaskedBinary(benchmark::State& state) {
  const std::string wire = encode_frame(Opcode::kBinary, filled(65536, true), true, kKey);
  FrameDecoder decoder(Role::kServer, 1 << 20);
  for (auto _ : state) {
    std::string_view in = wire;
    if (decoder.decode(in) != DecodeStatus::kFrame) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(decoder.frame().payload.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * 65536);
}
BENCHMARK(BM_Decode64KiBMaskedBinary);

// What a client pays to send the same frame (mask + header).
void BM_Encode64KiBMaskedBinary(benchmark::State& state) {
  const std::string payload = filled(65536, true);
  std::string out;
  for (auto _ : state) {
    out.clear();
    append_frame(out, Opcode::kBinary, payload, true, kKey);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * 65536);
}
BENCHMARK(BM_Encode64KiBMaskedBinary);

// UTF-8 validation of 64 KiB: Arg(1) all ASCII (the 8-byte fast path), Arg(0) Greek text
// (mostly multi-byte, the state machine).
void BM_Utf8Validate64KiB(benchmark::State& state) {
  const std::string text = filled(65536, state.range(0) != 0);
  for (auto _ : state) {
    Utf8Validator v;
    benchmark::DoNotOptimize(v.feed(text));
    benchmark::DoNotOptimize(v.complete());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * 65536);
}
BENCHMARK(BM_Utf8Validate64KiB)->Arg(1)->Arg(0);

}  // namespace
}  // namespace archbench::websocket
