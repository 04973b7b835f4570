// --protocol length: a 4-byte big-endian body length, then the body; each frame is answered by
// the same frame. A length over --package-max-length closes that connection only.
#include <algorithm>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "clients/conformance/case_catalogue.h"

namespace archbench::conformance {
namespace {

std::string header(std::uint32_t length) {
  std::string h(4, '\0');
  h[0] = static_cast<char>(length >> 24);
  h[1] = static_cast<char>(length >> 16);
  h[2] = static_cast<char>(length >> 8);
  h[3] = static_cast<char>(length);
  return h;
}

std::string frame(const std::string& body) {
  return header(static_cast<std::uint32_t>(body.size())) + body;
}

void single_frame(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::string f = frame(ctx.random_bytes(1000));
  s.write_all(f);
  expect_bytes(s.read_exact(f.size()), f, "reply to one 1000-byte frame");
}

void many_in_one_write(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  std::string all;
  for (int i = 0; i < 64; ++i) all += frame(ctx.random_bytes(ctx.random_between(0, 300)));
  s.write_all(all);
  expect_bytes(s.read_exact(all.size()), all, "replies to 64 frames sent in one write");
  expect_silence(s, Millis(100), "after the last reply");
}

void header_split(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::string f = frame(ctx.random_bytes(77));
  s.write_in_pieces(std::string_view(f).substr(0, 4), 1, Millis(20));
  expect_silence(s, Millis(50), "with only the header sent");
  s.write_all(std::string_view(f).substr(4));
  expect_bytes(s.read_exact(f.size()), f, "reply to a frame whose header came byte by byte");
}

void byte_writes(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::string f = frame(ctx.random_bytes(40));
  s.write_in_pieces(f, 1, Millis(1));
  expect_bytes(s.read_exact(f.size()), f, "reply to a frame written one byte at a time");
}

void zero_length(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  s.write_all(header(0));
  expect_bytes(s.read_exact(4), header(0), "reply to a zero-length frame");
  const std::string mixed = frame("ab") + header(0) + header(0) + frame("c");
  s.write_all(mixed);
  expect_bytes(s.read_exact(mixed.size()), mixed, "zero-length frames between others");
}

// The catalogue's big case: random frames written in random 1..65536-byte slices. The quick
// default keeps the suite fast; --full-size runs CONFORMANCE.md's 128 frames up to 1 MiB.
void random_sliced(CaseContext& ctx) {
  const bool full = ctx.options().full_size;
  const std::size_t count = full ? 128 : 32;
  const std::size_t largest =
      std::min<std::size_t>(full ? 1u << 20 : 256u << 10, ctx.options().package_max_length);
  BlockingSocket s = ctx.connect();
  std::vector<std::string> frames;
  for (std::size_t i = 0; i < count; ++i) {
    frames.push_back(frame(ctx.random_bytes(ctx.random_between(512, largest))));
  }
  // Write a few frames ahead, then check replies one frame at a time: the inbox keeps what the
  // writes drained, so memory stays around a few frames and failures name the frame.
  std::size_t written = 0;
  std::string pending;
  for (std::size_t i = 0; i < count; ++i) {
    while (written < count && written < i + 4) {
      const std::string& f = frames[written++];
      std::size_t at = 0;
      while (at < f.size()) {
        std::size_t n = std::min(ctx.random_between(1, 65536), f.size() - at);
        s.write_all(std::string_view(f).substr(at, n));
        at += n;
      }
    }
    expect_bytes(s.read_exact(frames[i].size()), frames[i],
                 "reply to frame " + std::to_string(i) + " of " + std::to_string(count));
  }
}

void half_close(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::string all = frame("first") + header(0) + frame(ctx.random_bytes(3000));
  s.write_all(all);
  s.shutdown_write();
  expect_bytes(s.read_exact(all.size()), all, "replies to frames sent before EOF");
  expect_closed(s, ctx.options().io_timeout, "after the client's EOF");
}

void max_length_accepted(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::string f = frame(ctx.random_bytes(ctx.options().package_max_length));
  s.write_all(f);
  expect_bytes(s.read_exact(f.size()), f, "reply to a body of exactly --package-max-length");
}

// A header announcing `length` (plus a little of the body) must close the connection at once:
// the server can judge from the header alone and must not wait for a body it will not accept.
void expect_header_refused(CaseContext& ctx, const std::string& bad_header,
                           const std::string& before) {
  BlockingSocket s = ctx.connect();
  s.write_all_or_closed(before + bad_header + std::string(100, 'x'));
  if (!before.empty()) {
    expect_bytes(s.read_exact(before.size()), before, "replies to the frames before the bad one");
  }
  expect_closed(s, ctx.options().io_timeout, "after header " + printable(bad_header));
}

void over_limit(CaseContext& ctx) {
  expect_header_refused(
      ctx, header(static_cast<std::uint32_t>(ctx.options().package_max_length + 1)), "");
  single_frame(ctx);  // the server still serves new connections
}

void frames_before_over_limit(CaseContext& ctx) {
  expect_header_refused(ctx, header(0x7fffffff), frame("ok") + header(0));
}

void huge_length(CaseContext& ctx) { expect_header_refused(ctx, header(0x7fffffff), ""); }
void max_u32_length(CaseContext& ctx) { expect_header_refused(ctx, header(0xffffffff), ""); }

// "GET " read as a length is 0x47455420 (about 1.1 GiB): an HTTP client talking to a length
// server. The server must close (and log the likely cause); nothing is answered.
void ascii_header(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  s.write_all_or_closed("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
  expect_closed(s, ctx.options().io_timeout, "after \"GET \" as a length header");
}

void over_limit_spares_others(CaseContext& ctx) {
  BlockingSocket other = ctx.connect();
  const std::string f1 = frame("before");
  other.write_all(f1);
  expect_bytes(other.read_exact(f1.size()), f1, "the other connection before");
  {
    BlockingSocket bad = ctx.connect();
    bad.write_all_or_closed("GET / HTTP/1.1\r\n\r\n");
    expect_closed(bad, ctx.options().io_timeout, "the connection that sent \"GET \"");
  }
  const std::string f2 = frame("after");
  other.write_all(f2);
  expect_bytes(other.read_exact(f2.size()), f2, "the other connection after");
}

}  // namespace

void add_length_cases(CaseList& list) {
  add_case(list, "length", "frames", "single", single_frame);
  add_case(list, "length", "frames", "many_in_one_write", many_in_one_write);
  add_case(list, "length", "frames", "header_split", header_split);
  add_case(list, "length", "frames", "one_frame_byte_writes", byte_writes);
  add_case(list, "length", "frames", "zero_length", zero_length);
  add_case(list, "length", "frames", "random_sizes_random_slices", random_sliced);
  add_case(list, "length", "frames", "half_close_flushes_replies", half_close);
  add_case(list, "length", "limits", "max_length_accepted", max_length_accepted);
  add_case(list, "length", "limits", "over_limit_closes", over_limit);
  add_case(list, "length", "limits", "frames_before_bad_header_answered", frames_before_over_limit);
  add_case(list, "length", "limits", "length_0x7fffffff_closes", huge_length);
  add_case(list, "length", "limits", "length_0xffffffff_closes", max_u32_length);
  add_case(list, "length", "limits", "ascii_get_header_closes", ascii_header);
  add_case(list, "length", "limits", "bad_header_spares_other_connection", over_limit_spares_others,
           true);
}

}  // namespace archbench::conformance
