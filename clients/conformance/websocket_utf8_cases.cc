// --protocol websocket: UTF-8 in text messages. Valid multi-byte text is echoed, also when a
// character is split across fragments; invalid sequences close with 1007 as soon as the frame
// that makes the text invalid arrives (fail fast), whole or across fragments.
#include <string>
#include <vector>

#include "clients/conformance/case_catalogue.h"
#include "clients/conformance/websocket_wire.h"

namespace archbench::conformance {
namespace {

using namespace ws_wire;

struct Utf8Vector {
  const char* name;
  std::string bytes;
  // Invalid only because the message ends there (a truncated sequence): no fail-fast possible
  // before the final fragment.
  bool invalid_only_at_end = false;
};

std::vector<Utf8Vector> valid_vectors() {
  return {
      {"two_byte", "caf\xc3\xa9 \xc2\x80 \xdf\xbf"},
      {"three_byte", "\xe2\x82\xac \xe0\xa0\x80 \xef\xbf\xbf \xed\x9f\xbf \xee\x80\x80"},
      {"four_byte", "\xf0\x9d\x84\x9e \xf0\x90\x80\x80"},
      {"max_code_point", "\xf4\x8f\xbf\xbf"},
      {"mixed_text", "Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!"},
      {"bom_and_noncharacters", "\xef\xbb\xbf\xef\xbf\xbe\xef\xbf\xbf"},
  };
}

std::vector<Utf8Vector> invalid_vectors() {
  return {
      {"overlong_2byte", "\xc0\xaf"},
      {"overlong_2byte_c1", "\xc1\xbf"},
      {"overlong_3byte", "\xe0\x80\xaf"},
      {"overlong_4byte", "\xf0\x80\x80\xaf"},
      {"surrogate_high", "\xed\xa0\x80"},
      {"surrogate_low", "\xed\xbf\xbf"},
      {"surrogate_pair", "\xed\xa0\x80\xed\xb0\x80"},
      {"above_max_f4_90", "\xf4\x90\x80\x80"},
      {"above_max_f5", "\xf5\x80\x80\x80"},
      {"byte_fe", "\xfe"},
      {"byte_ff", "\xff"},
      {"lone_continuation", "\x80"},
      {"truncated_then_ascii",
       "\xe2\x82"
       "A"},
      {"truncated_2byte_at_end", "\xc3", true},
      {"truncated_3byte_at_end", "\xe2\x82", true},
      {"truncated_4byte_at_end", "\xf0\x9d\x84", true},
  };
}

void valid_whole(CaseContext& ctx, const Utf8Vector& v) {
  BlockingSocket s = open(ctx);
  s.write_all(frame(kText, v.bytes));
  expect_message(s, kText, v.bytes, std::string("valid UTF-8 ") + v.name);
  close_cleanly(s, "after valid UTF-8");
}

// Every character is split across fragments: one byte per fragment.
void valid_split(CaseContext& ctx, const Utf8Vector& v) {
  BlockingSocket s = open(ctx);
  std::string bytes;
  for (std::size_t i = 0; i < v.bytes.size(); ++i) {
    bytes += frame(i == 0 ? kText : kContinuation, v.bytes.substr(i, 1), i + 1 == v.bytes.size());
  }
  s.write_all(bytes);
  expect_message(s, kText, v.bytes, std::string("valid UTF-8 ") + v.name + " in 1-byte fragments");
  close_cleanly(s, "after valid UTF-8 in fragments");
}

void invalid_whole(CaseContext& ctx, const Utf8Vector& v) {
  BlockingSocket s = open(ctx);
  // A truncated sequence is only invalid where the message ends: nothing may follow it.
  const std::string text = "ok " + v.bytes + (v.invalid_only_at_end ? "" : " end");
  s.write_all_or_closed(frame(kText, text));
  expect_close(s, 1007, "text \"" + printable(text) + "\"");
}

// Across fragments: the sequence starts in one fragment and ends in the next. For vectors that
// are invalid before the message ends, the message is left unfinished: the server has to fail on
// the fragment that made it invalid, without waiting for the rest.
void invalid_fragmented(CaseContext& ctx, const Utf8Vector& v) {
  BlockingSocket s = open(ctx);
  std::string bytes = frame(kText, "ok " + v.bytes.substr(0, 1), false);
  if (v.invalid_only_at_end) {
    if (v.bytes.size() > 1) bytes += frame(kContinuation, v.bytes.substr(1), false);
    bytes += frame(kContinuation, "", true);
  } else {
    bytes += frame(kContinuation, v.bytes.substr(1) + " more", false);
  }
  s.write_all_or_closed(bytes);
  expect_close(s, 1007,
               std::string(v.name) + " across fragments" +
                   (v.invalid_only_at_end ? "" : " (message left unfinished: fail fast)"));
}

// Binary messages are not UTF-8: invalid sequences are fine there.
void binary_not_checked(CaseContext& ctx) {
  BlockingSocket s = open(ctx);
  const std::string bytes = "\xc0\xaf\xed\xa0\x80\xff";
  s.write_all(frame(kBinary, bytes));
  expect_message(s, kBinary, bytes, "binary message with invalid UTF-8");
  close_cleanly(s, "after the binary message");
}

// A valid message, then an invalid one: the first is echoed, the second fails the connection.
void invalid_after_valid(CaseContext& ctx) {
  BlockingSocket s = open(ctx);
  s.write_all(frame(kText, "\xe2\x82\xac fine"));
  expect_message(s, kText, "\xe2\x82\xac fine", "valid message first");
  s.write_all_or_closed(frame(kText, "bad \xed\xa0\x80"));
  expect_close(s, 1007, "invalid message after a valid one");
}

}  // namespace

void add_websocket_utf8_cases(CaseList& list) {
  const std::string ws = "websocket";
  for (const Utf8Vector& v : valid_vectors()) {
    add_case(list, ws, "utf8", std::string("valid_") + v.name,
             [v](CaseContext& c) { valid_whole(c, v); });
    add_case(list, ws, "utf8", std::string("valid_") + v.name + "_fragmented",
             [v](CaseContext& c) { valid_split(c, v); });
  }
  for (const Utf8Vector& v : invalid_vectors()) {
    add_case(list, ws, "utf8", std::string(v.name) + "_1007",
             [v](CaseContext& c) { invalid_whole(c, v); });
    add_case(list, ws, "utf8", std::string(v.name) + "_fragmented_1007",
             [v](CaseContext& c) { invalid_fragmented(c, v); });
  }
  add_case(list, ws, "utf8", "binary_not_validated", binary_not_checked);
  add_case(list, ws, "utf8", "invalid_after_valid_message_1007", invalid_after_valid);
}

}  // namespace archbench::conformance
