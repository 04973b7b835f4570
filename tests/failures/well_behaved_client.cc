#include "tests/failures/well_behaved_client.h"

#include <algorithm>
#include <optional>

#include "tests/failures/wire.h"

namespace archbench::failures {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// One exchange: send the round's request, check the reply. Empty when right.
using Exchange = std::string (*)(TestConnection&, int round, milliseconds timeout);

std::string http_round(TestConnection& c, int round, milliseconds timeout) {
  switch (round % 4) {
    case 0:
      return http_exchange(c, http_get("/"), 200, std::string_view("Hello World"), timeout);
    case 1: {
      const std::size_t n = 1000 + 37 * static_cast<std::size_t>(round);
      return http_exchange(c, http_get("/bytes?n=" + std::to_string(n)), 200, bytes_pattern(n),
                           timeout);
    }
    case 2: {
      const std::string body = binary_pattern(500 + static_cast<std::size_t>(round), round);
      return http_exchange(c, http_post("/echo", body), 200, body, timeout);
    }
    default:
      return http_exchange(c, http_get("/json"), 200,
                           std::string_view(R"({"message":"Hello, World!"})"), timeout);
  }
}

std::string websocket_round(TestConnection& c, int round, milliseconds timeout) {
  const bool text = round % 2 == 0;
  const websocket::Opcode opcode = text ? websocket::Opcode::kText : websocket::Opcode::kBinary;
  const std::string payload = text ? "message " + std::to_string(round)
                                   : binary_pattern(200 + static_cast<std::size_t>(round), round);
  if (!c.send_all(masked_frame(opcode, payload), timeout)) return "send: " + c.error();
  std::string error;
  std::optional<ServerFrame> frame = read_websocket_frame(c, timeout, error);
  if (!frame) return error;
  if (frame->opcode != opcode || frame->payload != payload) {
    return "wrong echo of message " + std::to_string(round) + ": \"" + printable(frame->payload) +
           "\"";
  }
  return {};
}

// Byte-stream protocols: the reply is the request itself.
std::string echoed_round(TestConnection& c, const std::string& message, milliseconds timeout) {
  std::string back = c.send_and_receive(message, message.size(), timeout);
  return back == message ? "" : check_exact(back, message) + " " + c.error();
}

std::string length_round(TestConnection& c, int round, milliseconds timeout) {
  return echoed_round(c, length_frame(binary_pattern(static_cast<std::size_t>(round) * 13, round)),
                      timeout);
}

std::string eof_round(TestConnection& c, int round, milliseconds timeout) {
  return echoed_round(c, "line " + std::to_string(round) + "\r\n", timeout);
}

std::string echo_round(TestConnection& c, int round, milliseconds timeout) {
  return echoed_round(c, binary_pattern(1000 + static_cast<std::size_t>(round), round), timeout);
}

}  // namespace

WellBehavedReport run_well_behaved_client(const std::string& protocol, std::uint16_t port,
                                          int rounds, SteadyClock::time_point deadline) {
  WellBehavedReport report;
  const auto started = SteadyClock::now();
  auto left = [&] {
    return std::max(milliseconds(1),
                    std::chrono::duration_cast<milliseconds>(deadline - SteadyClock::now()));
  };
  Exchange exchange = protocol == "http"        ? http_round
                      : protocol == "websocket" ? websocket_round
                      : protocol == "length"    ? length_round
                      : protocol == "eof"       ? eof_round
                      : protocol == "echo"      ? echo_round
                                                : nullptr;
  if (exchange == nullptr) {
    report.problem = "no well-behaved client for protocol " + protocol;
    return report;
  }
  TestConnection c = TestConnection::connect(port, "127.0.0.1", left());
  if (!c.ok()) {
    report.problem = "connect: " + c.error();
    return report;
  }
  if (protocol == "websocket") report.problem = open_websocket(c, left());
  for (int round = 0; round < rounds && report.problem.empty(); ++round) {
    if (SteadyClock::now() >= deadline) {
      report.problem = "ran out of time after " + std::to_string(round) + " replies";
      break;
    }
    std::string problem = exchange(c, round, left());
    if (!problem.empty()) {
      report.problem = "round " + std::to_string(round) + ": " + problem;
      break;
    }
    if (report.replies_checked++ == 0) {
      report.first_reply_after =
          std::chrono::duration_cast<milliseconds>(SteadyClock::now() - started);
    }
  }
  report.elapsed = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - started);
  return report;
}

}  // namespace archbench::failures
