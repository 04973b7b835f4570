// --protocol websocket: control frames (ping/pong, limits), reserved bits and opcodes, masking,
// and the closing handshake with valid and invalid close payloads.
#include <string>
#include <vector>

#include "clients/conformance/case_catalogue.h"
#include "clients/conformance/websocket_wire.h"

namespace archbench::conformance {
namespace {

using namespace ws_wire;

void ping(CaseContext& ctx, std::size_t size, bool byte_writes) {
  BlockingSocket s = open(ctx);
  const std::string payload = ctx.random_bytes(size);  // ping payloads are binary
  if (byte_writes) {
    s.write_in_pieces(frame(kPing, payload), 1, Millis(1));
  } else {
    s.write_all(frame(kPing, payload));
  }
  expect_pong(s, payload, "pong to a ping of " + std::to_string(size) + " bytes");
  close_cleanly(s, "after the pong");
}

void ten_pings(CaseContext& ctx) {
  BlockingSocket s = open(ctx);
  std::string all;
  for (int i = 0; i < 10; ++i) all += frame(kPing, "ping-" + std::to_string(i));
  s.write_all(all);
  for (int i = 0; i < 10; ++i) {
    expect_pong(s, "ping-" + std::to_string(i), "pong " + std::to_string(i) + " of 10");
  }
  close_cleanly(s, "after 10 pongs");
}

void unsolicited_pong(CaseContext& ctx) {
  BlockingSocket s = open(ctx);
  s.write_all(frame(kPong, "nobody asked") + frame(kText, "after the pong"));
  // read_message fails on any control frame, so an answer to the pong would show here.
  expect_message(s, kText, "after the pong", "message after an unsolicited pong");
  close_cleanly(s, "after an unsolicited pong");
}

// `bad` arrives after a valid message: the valid one is echoed, then close `code`, and nothing
// sent after `bad` is answered.
void fails_after_valid(CaseContext& ctx, const std::string& bad, std::uint16_t code,
                       const std::string& what) {
  BlockingSocket s = open(ctx);
  s.write_all(frame(kText, "valid first"));
  expect_message(s, kText, "valid first", "valid message before " + what);
  s.write_all_or_closed(bad + frame(kText, "never echoed") + frame(kPing, "never answered"));
  expect_close(s, code, what);
}

void close_with(CaseContext& ctx, std::uint16_t code, std::string_view reason) {
  BlockingSocket s = open(ctx);
  s.write_all(close_frame(code, reason));
  expect_close_echo(s, code, false, "close " + std::to_string(code));
}

void close_empty(CaseContext& ctx) {
  BlockingSocket s = open(ctx);
  s.write_all(frame(kClose, ""));
  expect_close_echo(s, 1000, true, "close without a payload");
}

void after_close(CaseContext& ctx, const std::string& after, const std::string& what) {
  BlockingSocket s = open(ctx);
  s.write_all_or_closed(close_frame(1000) + after);
  // The next frame must be the close: what came after ours is ignored.
  expect_close_echo(s, 1000, false, what);
}

}  // namespace

void add_websocket_control_cases(CaseList& list) {
  const std::string ws = "websocket";
  for (std::size_t size : {0, 1, 10, 64, 124, 125}) {
    add_case(list, ws, "ping", "payload_" + std::to_string(size),
             [=](CaseContext& c) { ping(c, size, false); });
  }
  add_case(list, ws, "ping", "payload_125_byte_by_byte",
           [](CaseContext& c) { ping(c, 125, true); });
  add_case(list, ws, "ping", "ten_in_a_row", ten_pings);
  add_case(list, ws, "ping", "unsolicited_pong_ignored", unsolicited_pong);

  add_case(list, ws, "control", "ping_126_1002", [](CaseContext& c) {
    fails_after_valid(c, frame(kPing, std::string(126, 'p')), 1002, "ping with 126 bytes");
  });
  add_case(list, ws, "control", "pong_126_1002", [](CaseContext& c) {
    fails_after_valid(c, frame(kPong, std::string(126, 'p')), 1002, "pong with 126 bytes");
  });
  add_case(list, ws, "control", "fragmented_ping_1002", [](CaseContext& c) {
    fails_after_valid(c, frame(kPing, "frag", false) + frame(kContinuation, "ment", true), 1002,
                      "fragmented ping");
  });
  add_case(list, ws, "control", "fragmented_close_1002", [](CaseContext& c) {
    fails_after_valid(c, encode({.fin = false, .opcode = kClose, .payload = "\x03\xe8"}), 1002,
                      "fragmented close");
  });

  for (std::uint8_t rsv : {4, 2, 1, 7}) {
    const std::string bits = rsv == 7 ? "rsv123"
                                      : "rsv" + std::to_string(rsv == 4   ? 1
                                                               : rsv == 2 ? 2
                                                                          : 3);
    add_case(list, ws, "reserved_bits", bits + "_text_1002", [=](CaseContext& c) {
      fails_after_valid(c, encode({.rsv = rsv, .opcode = kText, .payload = "reserved"}), 1002,
                        "text frame with " + bits + " set");
    });
  }
  add_case(list, ws, "reserved_bits", "rsv1_ping_1002", [](CaseContext& c) {
    fails_after_valid(c, encode({.rsv = 4, .opcode = kPing, .payload = "p"}), 1002,
                      "ping with RSV1 set");
  });
  add_case(list, ws, "reserved_bits", "rsv3_binary_1002", [](CaseContext& c) {
    fails_after_valid(c, encode({.rsv = 1, .opcode = kBinary, .payload = "\x01\x02"}), 1002,
                      "binary frame with RSV3 set");
  });

  for (std::uint8_t opcode : {3, 4, 5, 6, 7, 11, 12, 13, 14, 15}) {
    add_case(list, ws, "opcodes", "reserved_" + std::to_string(opcode) + "_1002",
             [=](CaseContext& c) {
               fails_after_valid(c, encode({.opcode = opcode, .payload = "reserved"}), 1002,
                                 "frame with reserved opcode " + std::to_string(opcode));
             });
  }

  add_case(list, ws, "masking", "unmasked_text_1002", [](CaseContext& c) {
    fails_after_valid(c, encode({.opcode = kText, .payload = "naked", .masked = false}), 1002,
                      "unmasked text frame");
  });
  add_case(list, ws, "masking", "unmasked_ping_1002", [](CaseContext& c) {
    fails_after_valid(c, encode({.opcode = kPing, .payload = "naked", .masked = false}), 1002,
                      "unmasked ping");
  });
  add_case(list, ws, "masking", "unmasked_first_frame_1002", [](CaseContext& c) {
    BlockingSocket s = open(c);
    s.write_all_or_closed(encode({.opcode = kBinary, .payload = "naked", .masked = false}));
    expect_close(s, 1002, "unmasked first frame");
  });

  for (std::uint16_t code :
       {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999}) {
    add_case(list, ws, "close", "code_" + std::to_string(code),
             [=](CaseContext& c) { close_with(c, code, ""); });
  }
  add_case(list, ws, "close", "empty_payload", close_empty);
  add_case(list, ws, "close", "code_with_reason",
           [](CaseContext& c) { close_with(c, 1000, "going away now"); });
  add_case(list, ws, "close", "reason_123_bytes",
           [](CaseContext& c) { close_with(c, 1000, std::string(123, 'r')); });
  add_case(list, ws, "close", "utf8_reason",
           [](CaseContext& c) { close_with(c, 1001, "\xc3\xa9t\xc3\xa9 \xe2\x82\xac"); });

  add_case(list, ws, "close_bad", "one_byte_payload_1002", [](CaseContext& c) {
    fails_after_valid(c, frame(kClose, "\x03"), 1002, "close with a 1-byte payload");
  });
  add_case(list, ws, "close_bad", "reason_124_bytes_1002", [](CaseContext& c) {
    fails_after_valid(c, close_frame(1000, std::string(124, 'r')), 1002,
                      "close reason of 124 bytes (payload 126)");
  });
  for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    add_case(list, ws, "close_bad", "code_" + std::to_string(code) + "_1002", [=](CaseContext& c) {
      fails_after_valid(c, close_frame(code), 1002,
                        "close with invalid code " + std::to_string(code));
    });
  }
  add_case(list, ws, "close_bad", "invalid_utf8_reason_1007", [](CaseContext& c) {
    fails_after_valid(c, close_frame(1000, "bad \xc0\xaf reason"), 1007,
                      "close reason with invalid UTF-8");
  });

  add_case(list, ws, "after_close", "text_ignored", [](CaseContext& c) {
    after_close(c, frame(kText, "after close"), "text after the client's close");
  });
  add_case(list, ws, "after_close", "ping_ignored", [](CaseContext& c) {
    after_close(c, frame(kPing, "after close"), "ping after the client's close");
  });
  add_case(list, ws, "after_close", "garbage_ignored", [](CaseContext& c) {
    after_close(c, encode({.rsv = 7, .opcode = 5, .payload = "junk"}),
                "invalid frame after the client's close");
  });
}

}  // namespace archbench::conformance
