// --protocol http: every bad-input row of CONFORMANCE.md, each answered with its exact status
// and followed by the server closing the connection.
#include <string>
#include <vector>

#include "clients/conformance/case_catalogue.h"
#include "clients/conformance/http_wire.h"

namespace archbench::conformance {
namespace {

constexpr std::string_view kHost = "Host: 127.0.0.1\r\n";

struct BadRequest {
  const char* name;
  int status;
  std::string request;
};

std::string post_with(std::string_view headers, std::string_view rest) {
  return "POST /echo HTTP/1.1\r\n" + std::string(kHost) + std::string(headers) + "\r\n" +
         std::string(rest);
}

std::string chunked_with(std::string_view chunks) {
  return post_with("Transfer-Encoding: chunked\r\n", chunks);
}

std::string get_with(std::string_view request_line, std::string_view headers) {
  return std::string(request_line) + "\r\n" + std::string(headers) + "\r\n";
}

std::vector<BadRequest> bad_requests() {
  const std::string host(kHost);
  return {
      {"content_length_with_chunked", 400,
       post_with("Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", "4\r\nabcd\r\n0\r\n\r\n")},
      {"two_different_content_lengths", 400,
       post_with("Content-Length: 4\r\nContent-Length: 5\r\n", "abcde")},
      {"content_length_list_of_different_values", 400,
       post_with("Content-Length: 4, 5\r\n", "abcde")},
      {"transfer_encoding_chunked_not_last", 400,
       post_with("Transfer-Encoding: chunked, gzip\r\n", "4\r\nabcd\r\n0\r\n\r\n")},
      {"transfer_encoding_unknown_501", 501,
       post_with("Transfer-Encoding: pigeons\r\n", "4\r\nabcd\r\n0\r\n\r\n")},
      {"obs_fold", 400, get_with("GET / HTTP/1.1", host + "X-Folded: a\r\n b\r\n")},
      {"space_before_colon", 400, post_with("Content-Length : 4\r\n", "abcd")},
      {"whitespace_before_first_header", 400, get_with("GET / HTTP/1.1", " " + host)},
      {"header_without_colon", 400, get_with("GET / HTTP/1.1", host + "NoColonHere\r\n")},
      {"missing_host_http11", 400, get_with("GET / HTTP/1.1", "")},
      {"two_host_headers", 400, get_with("GET / HTTP/1.1", host + "Host: example.com\r\n")},
      {"chunk_size_zz", 400, chunked_with("zz\r\nabcd\r\n0\r\n\r\n")},
      {"chunk_size_negative", 400, chunked_with("-1\r\nabcd\r\n0\r\n\r\n")},
      {"chunk_size_trailing_space", 400, chunked_with("a \r\n0123456789\r\n0\r\n\r\n")},
      {"chunk_size_17_hex_digits", 400, chunked_with("fffffffffffffffff\r\nabcd\r\n0\r\n\r\n")},
      {"chunk_size_overflows_to_small", 400,
       chunked_with("10000000000000004\r\nabcd\r\n0\r\n\r\n")},
      {"chunk_data_without_crlf", 400, chunked_with("4\r\nabcdXX0\r\n\r\n")},
      {"bare_cr_in_header_value", 400, get_with("GET / HTTP/1.1", host + "X-Test: a\rb\r\n")},
      {"nul_in_header_value", 400,
       get_with("GET / HTTP/1.1", host + "X-Test: a" + std::string(1, '\0') + "b\r\n")},
      {"header_section_9k_431", 431,
       get_with("GET / HTTP/1.1", host + "X-Big: " + std::string(9 * 1024, 'a') + "\r\n")},
      {"many_headers_9k_431", 431,
       [&] {
         std::string headers = host;
         for (int i = 0; i < 100; ++i) {
           headers += "X-Header-" + std::to_string(i) + ": " + std::string(80, 'v') + "\r\n";
         }
         return get_with("GET / HTTP/1.1", headers);
       }()},
      {"request_target_too_long_414", 414,
       get_with("GET /" + std::string(9 * 1024, 'a') + " HTTP/1.1", host)},
      {"version_http2_505", 505, get_with("GET / HTTP/2.0", host)},
      {"version_http3_505", 505, get_with("GET / HTTP/3.0", host)},
      {"version_1_01", 400, get_with("GET / HTTP/1.01", host)},
      {"version_htp", 400, get_with("GET / HTP/1.1", host)},
      {"version_lowercase", 400, get_with("GET / http/1.1", host)},
      {"request_line_garbage", 400, "HELLO\r\n\r\n"},
      {"request_line_missing_target", 400, get_with("GET HTTP/1.1", host)},
      {"content_length_plus_5", 400, post_with("Content-Length: +5\r\n", "abcde")},
      {"content_length_4_space_2", 400, post_with("Content-Length: 4 2\r\n", "abcd")},
      {"content_length_empty", 400, post_with("Content-Length: \r\n", "abcd")},
      {"content_length_10e21", 400, post_with("Content-Length: 1000000000000000000000\r\n", "ab")},
      {"content_length_negative", 400, post_with("Content-Length: -1\r\n", "ab")},
      {"http10_with_transfer_encoding", 400,
       "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n"},
  };
}

void refused(CaseContext& ctx, const BadRequest& bad) {
  BlockingSocket s = ctx.connect();
  http_wire::expect_refused_and_closed(
      s, bad.request, bad.status,
      std::string(bad.name) + " (\"" + printable(bad.request, 60) + "\")",
      ctx.options().io_timeout);
}

// Content-Length over the limit: 413 from the headers alone, without waiting for the body.
void body_over_limit(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  http_wire::expect_refused_and_closed(
      s,
      post_with("Content-Length: " + std::to_string(ctx.options().package_max_length + 1) + "\r\n",
                ""),
      413, "Content-Length over --package-max-length, body not sent", ctx.options().io_timeout);
}

// A good request and a bad one in one write: the good one is answered, then the refusal, then
// the close.
void bad_after_good(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  s.write_all("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n");
  http_wire::Response first = http_wire::read_response(s, "good request before a bad one");
  http_wire::expect_status(first, 200, "good request before a bad one");
  http_wire::expect_refused_and_closed(s, "", 505, "HTTP/9.9 after a good request",
                                       ctx.options().io_timeout);
}

}  // namespace

void add_http_bad_input_cases(CaseList& list) {
  for (const BadRequest& bad : bad_requests()) {
    add_case(list, "http", "bad", bad.name, [bad](CaseContext& c) { refused(c, bad); });
  }
  add_case(list, "http", "bad", "content_length_over_limit_413", body_over_limit);
  add_case(list, "http", "bad", "bad_request_after_good_one", bad_after_good);
}

}  // namespace archbench::conformance
