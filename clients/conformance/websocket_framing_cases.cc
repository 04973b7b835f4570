// --protocol websocket: data framing (the three length encodings), fragmentation and the
// message size limit (--ws-max-message, else --package-max-length).
#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "clients/conformance/case_catalogue.h"
#include "clients/conformance/websocket_wire.h"

namespace archbench::conformance {
namespace {

using namespace ws_wire;

std::string text_payload(CaseContext& ctx, std::size_t n) {
  return ctx.random_text(n, "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
}

std::string payload_for(CaseContext& ctx, std::uint8_t opcode, std::size_t n) {
  return opcode == kText ? text_payload(ctx, n) : ctx.random_bytes(n);
}

// Writes `bytes` in random pieces of 1..97 bytes, the first ones with a short pause, so header
// bytes and payload really arrive split.
void write_in_small_pieces(CaseContext& ctx, BlockingSocket& s, const std::string& bytes) {
  std::size_t at = 0;
  int writes = 0;
  while (at < bytes.size()) {
    const std::size_t n = std::min(ctx.random_between(1, 97), bytes.size() - at);
    s.write_all(std::string_view(bytes).substr(at, n));
    at += n;
    if (++writes <= 8 || writes % 64 == 0) std::this_thread::sleep_for(Millis(1));
  }
}

void sized(CaseContext& ctx, std::uint8_t opcode, std::size_t size, bool pieces) {
  BlockingSocket s = open(ctx);
  const std::string payload = payload_for(ctx, opcode, size);
  const std::string bytes = frame(opcode, payload);
  if (pieces) {
    write_in_small_pieces(ctx, s, bytes);
  } else {
    s.write_all(bytes);
  }
  expect_message(s, opcode, payload,
                 opcode_name(opcode) + " message of " + std::to_string(size) + " bytes");
  close_cleanly(s, "after the echo");
}

void many_in_one_write(CaseContext& ctx) {
  BlockingSocket s = open(ctx);
  std::string all;
  std::vector<std::string> payloads;
  for (int i = 0; i < 100; ++i) {
    payloads.push_back(payload_for(ctx, i % 2 ? kBinary : kText, ctx.random_between(0, 300)));
    all += frame(i % 2 ? kBinary : kText, payloads.back());
  }
  s.write_all(all);
  for (int i = 0; i < 100; ++i) {
    expect_message(s, i % 2 ? kBinary : kText, payloads[i], "message " + std::to_string(i));
  }
  close_cleanly(s, "after 100 messages");
}

// Fragments of `size` bytes each, optionally written one byte at a time.
void fragmented(CaseContext& ctx, std::uint8_t opcode, std::size_t total, std::size_t size,
                bool byte_writes) {
  BlockingSocket s = open(ctx);
  const std::string payload = payload_for(ctx, opcode, total);
  std::string bytes;
  for (std::size_t at = 0; at < total || at == 0; at += size) {
    const bool first = at == 0;
    const bool last = at + size >= total;
    bytes += frame(first ? opcode : std::uint8_t{kContinuation},
                   std::string_view(payload).substr(at, size), last);
    if (total == 0) break;
  }
  if (byte_writes) {
    s.write_in_pieces(bytes, 1, Millis(0));
  } else {
    s.write_all(bytes);
  }
  expect_message(s, opcode, payload,
                 std::to_string(total) + " bytes in " + std::to_string(size) + "-byte fragments");
  close_cleanly(s, "after the fragmented message");
}

void empty_fragments(CaseContext& ctx) {
  BlockingSocket s = open(ctx);
  s.write_all(frame(kText, "", false) + frame(kContinuation, "", false) +
              frame(kContinuation, "abc", false) + frame(kContinuation, "", true));
  expect_message(s, kText, "abc", "message with empty fragments");
  close_cleanly(s, "after empty fragments");
}

// A ping between fragments is answered before the message completes (RFC 6455 5.4).
void ping_between_fragments(CaseContext& ctx) {
  BlockingSocket s = open(ctx);
  s.write_all(frame(kText, "frag-1 ", false) + frame(kPing, "in between"));
  expect_pong(s, "in between", "ping between fragments (answered before the message ends)");
  s.write_all(frame(kContinuation, "frag-2 ", false) + frame(kPing, "again") +
              frame(kContinuation, "frag-3", true));
  expect_pong(s, "again", "second ping between fragments");
  expect_message(s, kText, "frag-1 frag-2 frag-3", "the reassembled message");
  close_cleanly(s, "after fragments and pings");
}

void protocol_error_after(CaseContext& ctx, const std::string& bytes, const std::string& what) {
  BlockingSocket s = open(ctx);
  s.write_all_or_closed(bytes);
  expect_close(s, 1002, what);
}

void limit_message(CaseContext& ctx, std::size_t size, std::size_t fragment) {
  BlockingSocket s = open(ctx);
  const std::string payload = ctx.random_bytes(size);
  std::string bytes;
  for (std::size_t at = 0; at < size; at += fragment) {
    bytes += frame(at == 0 ? kBinary : kContinuation,
                   std::string_view(payload).substr(at, fragment), at + fragment >= size);
  }
  s.write_all(bytes);
  expect_message(s, kBinary, payload,
                 std::to_string(size) + " bytes in " + std::to_string(fragment) + "-byte frames");
  close_cleanly(s, "after the large message");
}

// One frame announcing more than the limit: the header alone must be enough to refuse it, so only
// a little of the payload is sent (a server that waits for the rest times out the case).
void over_limit_one_frame(CaseContext& ctx) {
  BlockingSocket s = open(ctx);
  const std::size_t limit = ctx.options().websocket_max_message();
  const std::string payload(limit + 1, 'x');
  const std::string bytes = frame(kBinary, payload);
  s.write_all_or_closed(std::string_view(bytes).substr(0, 14 + 1000));
  expect_close(s, 1009, "one frame of --ws-max-message + 1 bytes");
}

// Fragments that together pass the limit: refused when the fragment that passes it arrives.
void over_limit_fragments(CaseContext& ctx) {
  BlockingSocket s = open(ctx);
  const std::size_t limit = ctx.options().websocket_max_message();
  const std::size_t fragment = 64 * 1024;
  const std::string chunk(fragment, 'y');
  std::string bytes;
  std::size_t sent = 0;
  while (sent <= limit) {
    bytes += frame(sent == 0 ? kBinary : kContinuation, chunk, false);
    sent += fragment;
  }
  s.write_all_or_closed(bytes);
  expect_close(s, 1009, "fragments adding up to more than --ws-max-message");
}

}  // namespace

void add_websocket_framing_cases(CaseList& list) {
  const std::string ws = "websocket";
  for (std::uint8_t opcode : {kText, kBinary}) {
    for (std::size_t size : {0, 125, 126, 127, 128, 65535, 65536}) {
      for (bool pieces : {false, true}) {
        add_case(list, ws, "framing",
                 opcode_name(opcode) + "_" + std::to_string(size) + (pieces ? "_pieces" : ""),
                 [=](CaseContext& c) { sized(c, opcode, size, pieces); });
      }
    }
  }
  add_case(list, ws, "framing", "many_messages_one_write", many_in_one_write);
  add_case(list, ws, "framing", "length_64bit_msb_set_1002", [](CaseContext& c) {
    // RFC 6455 5.2: the most significant bit of a 64-bit length MUST be 0.
    protocol_error_after(c, std::string("\x82\xff\x80\0\0\0\0\0\0\0\x37\xfa\x21\x3d", 14),
                         "64-bit length with the most significant bit set");
  });
  add_case(list, ws, "fragmentation", "text_two_fragments",
           [](CaseContext& c) { fragmented(c, kText, 20, 10, false); });
  add_case(list, ws, "fragmentation", "binary_ten_fragments",
           [](CaseContext& c) { fragmented(c, kBinary, 1000, 100, false); });
  add_case(list, ws, "fragmentation", "text_one_byte_fragments",
           [](CaseContext& c) { fragmented(c, kText, 64, 1, false); });
  add_case(list, ws, "fragmentation", "text_fragments_written_byte_by_byte",
           [](CaseContext& c) { fragmented(c, kText, 300, 30, true); });
  add_case(list, ws, "fragmentation", "empty_fragments", empty_fragments);
  add_case(list, ws, "fragmentation", "ping_between_fragments", ping_between_fragments);
  add_case(list, ws, "fragmentation", "continuation_without_start_1002", [](CaseContext& c) {
    protocol_error_after(c, frame(kContinuation, "orphan", true), "continuation with nothing open");
  });
  add_case(list, ws, "fragmentation", "unfinished_continuation_without_start_1002",
           [](CaseContext& c) {
             protocol_error_after(c, frame(kContinuation, "orphan", false),
                                  "non-final continuation with nothing open");
           });
  add_case(list, ws, "fragmentation", "continuation_after_complete_message_1002",
           [](CaseContext& c) {
             BlockingSocket s = open(c);
             s.write_all(frame(kText, "done"));
             expect_message(s, kText, "done", "complete message");
             s.write_all_or_closed(frame(kContinuation, "late", true));
             expect_close(s, 1002, "continuation after a complete message");
           });
  add_case(list, ws, "fragmentation", "text_inside_fragmented_1002", [](CaseContext& c) {
    protocol_error_after(c, frame(kText, "start", false) + frame(kText, "new", true),
                         "new text frame inside a fragmented message");
  });
  add_case(list, ws, "fragmentation", "binary_inside_fragmented_1002", [](CaseContext& c) {
    protocol_error_after(c, frame(kBinary, "start", false) + frame(kBinary, "new", false),
                         "new binary frame inside a fragmented message");
  });
  // 64 KiB, or the limit when a server is configured below that.
  add_case(list, ws, "limits", "64k_one_frame", [](CaseContext& c) {
    const std::size_t size = std::min<std::size_t>(64 * 1024, c.options().websocket_max_message());
    limit_message(c, size, size);
  });
  add_case(list, ws, "limits", "64k_in_64_byte_fragments", [](CaseContext& c) {
    limit_message(c, std::min<std::size_t>(64 * 1024, c.options().websocket_max_message()), 64);
  });
  add_case(list, ws, "limits", "max_message_one_frame", [](CaseContext& c) {
    limit_message(c, c.options().websocket_max_message(), c.options().websocket_max_message());
  });
  add_case(list, ws, "limits", "max_message_in_64k_fragments", [](CaseContext& c) {
    limit_message(c, c.options().websocket_max_message(), 64 * 1024);
  });
  add_case(list, ws, "limits", "over_limit_one_frame_1009", over_limit_one_frame);
  add_case(list, ws, "limits", "over_limit_fragments_1009", over_limit_fragments);
}

}  // namespace archbench::conformance
