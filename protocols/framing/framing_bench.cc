// Framing micro-benchmarks: 1 MiB of messages delivered in 4 KiB reads, split by the framers
// alone and answered by the sessions (which adds the copy into the reply). Argument: the size
// of one message on the wire (delimiter or header included): 64 B, 4 KiB and one 1 MiB message
// (which checks that a long message is not rescanned on every read).
#include <benchmark/benchmark.h>

#include <string>

#include "protocols/framing/eof_framer.h"
#include "protocols/framing/eof_session.h"
#include "protocols/framing/length_framer.h"
#include "protocols/framing/length_session.h"

namespace archbench::framing {
namespace {

constexpr std::size_t kStreamBytes = 1 << 20;
constexpr std::size_t kReadSize = 4096;

std::string eof_stream(std::size_t message_size) {
  const std::string message = std::string(message_size - 2, 'm') + "\r\n";
  std::string stream;
  while (stream.size() + message.size() <= kStreamBytes) stream += message;
  return stream;
}

std::string length_stream(std::size_t frame_size) {
  const std::string body(frame_size - kLengthHeaderSize, 'm');
  std::string stream;
  while (stream.size() + frame_size <= kStreamBytes) encode_length_frame(body, stream);
  return stream;
}

template <typename Framer, typename Status>
std::size_t drain(Framer& framer, Status more) {
  std::size_t count = 0;
  for (auto result = framer.next(); result.status != more; result = framer.next()) ++count;
  return count;
}

void report(benchmark::State& state, std::size_t stream_bytes, std::size_t messages) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream_bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * messages));
}

void BM_EofFramer(benchmark::State& state) {
  const std::string stream = eof_stream(static_cast<std::size_t>(state.range(0)));
  std::size_t messages = 0;
  for (auto _ : state) {
    EofFramer framer("\r\n", kStreamBytes);
    messages = 0;
    for (std::size_t at = 0; at < stream.size(); at += kReadSize) {
      framer.append(std::string_view(stream).substr(at, kReadSize));
      messages += drain(framer, EofFramer::Status::kNeedMore);
    }
    benchmark::DoNotOptimize(messages);
  }
  report(state, stream.size(), messages);
}
BENCHMARK(BM_EofFramer)->Arg(64)->Arg(4096)->Arg(kStreamBytes);

void BM_EofSession(benchmark::State& state) {
  const std::string stream = eof_stream(static_cast<std::size_t>(state.range(0)));
  const std::size_t messages = stream.size() / static_cast<std::size_t>(state.range(0));
  SessionOutput out;
  for (auto _ : state) {
    auto session = make_eof_session(ProtocolConfig{});
    for (std::size_t at = 0; at < stream.size(); at += kReadSize) {
      out.clear();
      session->on_bytes(std::string_view(stream).substr(at, kReadSize), Now{}, out);
      benchmark::DoNotOptimize(out.bytes.data());
    }
  }
  report(state, stream.size(), messages);
}
BENCHMARK(BM_EofSession)->Arg(64)->Arg(4096)->Arg(kStreamBytes);

void BM_LengthFramer(benchmark::State& state) {
  const std::string stream = length_stream(static_cast<std::size_t>(state.range(0)));
  std::size_t messages = 0;
  for (auto _ : state) {
    LengthFramer framer(kStreamBytes);
    messages = 0;
    for (std::size_t at = 0; at < stream.size(); at += kReadSize) {
      framer.append(std::string_view(stream).substr(at, kReadSize));
      messages += drain(framer, LengthFramer::Status::kNeedMore);
    }
    benchmark::DoNotOptimize(messages);
  }
  report(state, stream.size(), messages);
}
BENCHMARK(BM_LengthFramer)->Arg(64)->Arg(4096)->Arg(kStreamBytes);

void BM_LengthSession(benchmark::State& state) {
  const std::string stream = length_stream(static_cast<std::size_t>(state.range(0)));
  const std::size_t messages = stream.size() / static_cast<std::size_t>(state.range(0));
  SessionOutput out;
  for (auto _ : state) {
    auto session = make_length_session(ProtocolConfig{});
    for (std::size_t at = 0; at < stream.size(); at += kReadSize) {
      out.clear();
      session->on_bytes(std::string_view(stream).substr(at, kReadSize), Now{}, out);
      benchmark::DoNotOptimize(out.bytes.data());
    }
  }
  report(state, stream.size(), messages);
}
BENCHMARK(BM_LengthSession)->Arg(64)->Arg(4096)->Arg(kStreamBytes);

}  // namespace
}  // namespace archbench::framing
