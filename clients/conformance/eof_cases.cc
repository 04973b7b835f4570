// --protocol eof: messages end with the delimiter (--package-eof, default "\r\n"); each message
// is answered by itself, delimiter included; a message over --package-max-length closes that
// connection only.
#include <algorithm>
#include <cctype>
#include <string>
#include <thread>
#include <vector>

#include "clients/conformance/case_catalogue.h"

namespace archbench::conformance {
namespace {

const std::string& delimiter(const CaseContext& ctx) { return ctx.options().package_eof; }

// Message bodies that cannot contain (any byte of) the delimiter.
std::string body(CaseContext& ctx, std::size_t n) {
  std::string alphabet;
  for (char c = '0'; c <= 'z'; ++c) {
    if (std::isalnum(static_cast<unsigned char>(c)) &&
        delimiter(ctx).find(c) == std::string::npos) {
      alphabet.push_back(c);
    }
  }
  return ctx.random_text(n, alphabet);
}

std::string message(CaseContext& ctx, std::size_t n) { return body(ctx, n) + delimiter(ctx); }

void one_message(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::string m = message(ctx, 20);
  s.write_all(m);
  expect_bytes(s.read_exact(m.size()), m, "reply to one message");
}

void many_in_one_write(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  std::string all;
  for (int i = 0; i < 100; ++i) all += message(ctx, ctx.random_between(0, 100));
  s.write_all(all);
  expect_bytes(s.read_exact(all.size()), all, "replies to 100 messages sent in one write");
  expect_silence(s, Millis(100), "after the last reply");
}

void byte_writes(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::string m = message(ctx, 30);
  s.write_in_pieces(m, 1, Millis(1));
  expect_bytes(s.read_exact(m.size()), m, "reply to a message written one byte at a time");
}

void delimiter_split(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::string b = body(ctx, 10);
  const std::string& d = delimiter(ctx);
  const std::size_t cut = d.size() / 2;  // a 1-byte delimiter: all of it comes later
  s.write_all(b + d.substr(0, cut));
  expect_silence(s, Millis(100), "with the delimiter incomplete");
  s.write_all(d.substr(cut));
  expect_bytes(s.read_exact(b.size() + d.size()), b + d, "reply once the delimiter completes");
}

void empty_message(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::string& d = delimiter(ctx);
  s.write_all(d);
  expect_bytes(s.read_exact(d.size()), d, "reply to the delimiter alone");
  s.write_all(d + d + d);
  expect_bytes(s.read_exact(3 * d.size()), d + d + d, "replies to three empty messages");
}

void no_reply_before_delimiter(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::string b = body(ctx, 50);
  s.write_all(b);
  expect_silence(s, Millis(200), "before the delimiter");
  s.write_all(delimiter(ctx));
  expect_bytes(s.read_exact(b.size() + delimiter(ctx).size()), b + delimiter(ctx),
               "reply after the delimiter");
}

// Pieces of the delimiter inside a message do not end it ("x\ry\nz\r\n" is one message).
void partial_delimiter_inside(CaseContext& ctx) {
  const std::string& d = delimiter(ctx);
  if (d.size() < 2) return;  // a one-byte delimiter has no proper prefix to test
  BlockingSocket s = ctx.connect();
  const std::string m = "x" + d.substr(0, d.size() - 1) + "y" + d.substr(1) + "z" + d;
  s.write_all(m);
  expect_bytes(s.read_exact(m.size()), m, "reply to a message holding parts of the delimiter");
  expect_silence(s, Millis(100), "after the one reply");
}

void random_messages(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  std::string all;
  for (int i = 0; i < 300; ++i) all += message(ctx, ctx.random_between(0, 2000));
  std::size_t at = 0;
  int writes = 0;
  while (at < all.size()) {
    std::size_t n = std::min(ctx.random_between(1, 8192), all.size() - at);
    s.write_all(std::string_view(all).substr(at, n));
    at += n;
    if (++writes % 16 == 0) std::this_thread::sleep_for(Millis(1));
  }
  expect_bytes(s.read_exact(all.size()), all, "replies to 300 messages in random slices");
}

void half_close(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::string all = message(ctx, 10) + message(ctx, 0) + message(ctx, 500);
  s.write_all(all);
  s.shutdown_write();
  expect_bytes(s.read_exact(all.size()), all, "replies to messages sent before EOF");
  expect_closed(s, ctx.options().io_timeout, "after the client's EOF");
}

void max_length_accepted(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::string m = message(ctx, ctx.options().package_max_length - delimiter(ctx).size());
  s.write_all(m);
  expect_bytes(s.read_exact(m.size()), m, "reply to a message of exactly --package-max-length");
}

// Sends `oversize` on a fresh connection and checks that exactly `expected_reply` comes back
// before the server closes.
void expect_oversize_closed(CaseContext& ctx, BlockingSocket& s, const std::string& oversize,
                            const std::string& expected_reply) {
  s.write_all_or_closed(oversize);
  if (!expected_reply.empty()) {
    expect_bytes(s.read_exact(expected_reply.size()), expected_reply,
                 "replies to the messages before the oversize one");
  }
  expect_closed(s, ctx.options().io_timeout, "after a message over --package-max-length");
}

void oversize_no_delimiter(CaseContext& ctx) {
  {
    BlockingSocket s = ctx.connect();
    expect_oversize_closed(ctx, s, body(ctx, ctx.options().package_max_length + 1), "");
  }
  one_message(ctx);  // the server still serves new connections
}

void oversize_with_delimiter(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::size_t n = ctx.options().package_max_length - delimiter(ctx).size() + 1;
  expect_oversize_closed(ctx, s, message(ctx, n), "");
}

void answered_before_oversize(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::string first = message(ctx, 12);
  expect_oversize_closed(ctx, s, first + body(ctx, ctx.options().package_max_length + 1), first);
}

void oversize_spares_others(CaseContext& ctx) {
  BlockingSocket other = ctx.connect();
  const std::string m1 = message(ctx, 8);
  other.write_all(m1);
  expect_bytes(other.read_exact(m1.size()), m1, "the other connection before");
  {
    BlockingSocket s = ctx.connect();
    expect_oversize_closed(ctx, s, body(ctx, ctx.options().package_max_length + 1), "");
  }
  const std::string m2 = message(ctx, 9);
  other.write_all(m2);
  expect_bytes(other.read_exact(m2.size()), m2, "the other connection after the oversize one");
}

}  // namespace

void add_eof_cases(CaseList& list) {
  add_case(list, "eof", "split", "one_message", one_message);
  add_case(list, "eof", "split", "many_messages_one_write", many_in_one_write);
  add_case(list, "eof", "split", "one_message_byte_writes", byte_writes);
  add_case(list, "eof", "split", "delimiter_split_across_writes", delimiter_split);
  add_case(list, "eof", "split", "empty_message", empty_message);
  add_case(list, "eof", "split", "no_reply_before_delimiter", no_reply_before_delimiter);
  add_case(list, "eof", "split", "partial_delimiter_inside_message", partial_delimiter_inside);
  add_case(list, "eof", "split", "random_messages_random_slices", random_messages);
  add_case(list, "eof", "split", "half_close_flushes_replies", half_close);
  add_case(list, "eof", "limits", "max_length_accepted", max_length_accepted);
  add_case(list, "eof", "limits", "oversize_closes", oversize_no_delimiter);
  add_case(list, "eof", "limits", "oversize_with_delimiter_closes", oversize_with_delimiter);
  add_case(list, "eof", "limits", "messages_before_oversize_answered", answered_before_oversize);
  add_case(list, "eof", "limits", "oversize_spares_other_connection", oversize_spares_others, true);
}

}  // namespace archbench::conformance
