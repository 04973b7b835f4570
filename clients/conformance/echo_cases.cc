// --protocol echo: every byte received is sent back, in order, until the client closes.
#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "clients/conformance/case_catalogue.h"

namespace archbench::conformance {
namespace {

void echo_exact(CaseContext& ctx, std::size_t size) {
  BlockingSocket s = ctx.connect();
  const std::string data = ctx.random_bytes(size);
  s.write_all(data);
  expect_bytes(s.read_exact(data.size()), data, "echo of " + std::to_string(size) + " bytes");
}

// Random data in random slices (1..4096 bytes), with short pauses so the server really sees
// many partial reads, then compared byte for byte.
void echo_random_fragmentation(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::string data = ctx.random_bytes(256 * 1024);
  std::size_t at = 0;
  int writes = 0;
  while (at < data.size()) {
    std::size_t n = std::min(ctx.random_between(1, 4096), data.size() - at);
    s.write_all(std::string_view(data).substr(at, n));
    at += n;
    if (++writes % 16 == 0) std::this_thread::sleep_for(Millis(1));
  }
  expect_bytes(s.read_exact(data.size()), data, "echo of 256 KiB in random slices");
}

void echo_all_byte_values(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  std::string data;
  for (int round = 0; round < 4; ++round) {
    for (int b = 0; b < 256; ++b) data.push_back(static_cast<char>(b));
  }
  s.write_all(data);
  expect_bytes(s.read_exact(data.size()), data, "echo of every byte value");
}

// After the client's FIN the server must still send back what it received, then close.
void echo_half_close(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::string data = ctx.random_bytes(10000);
  s.write_all(data);
  s.shutdown_write();
  expect_bytes(s.read_exact(data.size()), data, "echo before the server sees EOF");
  expect_closed(s, ctx.options().io_timeout, "after the client's EOF");
}

// Several rounds of write-then-read on each connection, so no connection can be served to the
// end before the next one is even accepted.
void echo_many_connections(CaseContext& ctx) {
  constexpr int kConnections = 20;
  std::vector<BlockingSocket> sockets;
  for (int i = 0; i < kConnections; ++i) sockets.push_back(ctx.connect());
  for (int round = 0; round < 3; ++round) {
    std::vector<std::string> sent;
    for (auto& s : sockets) {
      sent.push_back(ctx.random_bytes(ctx.random_between(1, 16384)));
      s.write_all(sent.back());
    }
    for (int i = 0; i < kConnections; ++i) {
      expect_bytes(sockets[i].read_exact(sent[i].size()), sent[i],
                   "connection " + std::to_string(i) + " round " + std::to_string(round));
    }
  }
}

// A connected but silent client must not stop the server from serving another one.
void echo_idle_neighbour(CaseContext& ctx) {
  BlockingSocket idle = ctx.connect();
  BlockingSocket busy = ctx.connect();
  busy.write_all("ping");
  expect_bytes(busy.read_exact(4), "ping", "echo on the second connection while the first idles");
  idle.write_all("pong");
  expect_bytes(idle.read_exact(4), "pong", "echo on the first connection afterwards");
}

}  // namespace

void add_echo_cases(CaseList& list) {
  add_case(list, "echo", "data", "one_byte", [](CaseContext& c) { echo_exact(c, 1); });
  add_case(list, "echo", "data", "64k", [](CaseContext& c) { echo_exact(c, 64 * 1024); });
  add_case(list, "echo", "data", "1m", [](CaseContext& c) { echo_exact(c, 1024 * 1024); });
  add_case(list, "echo", "data", "all_byte_values", echo_all_byte_values);
  add_case(list, "echo", "data", "random_fragmentation", echo_random_fragmentation);
  add_case(list, "echo", "data", "half_close_flushes", echo_half_close);
  add_case(list, "echo", "concurrency", "twenty_connections", echo_many_connections, true);
  add_case(list, "echo", "concurrency", "idle_neighbour", echo_idle_neighbour, true);
}

}  // namespace archbench::conformance
