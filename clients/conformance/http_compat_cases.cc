// --protocol http: what RFC 9110/9112 require beyond CONFORMANCE.md's table, the things real
// clients (curl, ab, proxies) rely on: Expect: 100-continue, absolute-form targets,
// case-insensitive names and codings, HTTP/1.x minor versions, HEAD, keep-alive announcements.
#include <string>

#include "clients/conformance/case_catalogue.h"
#include "clients/conformance/http_wire.h"

namespace archbench::conformance {
namespace {

using http_wire::Response;

Response ok_response(BlockingSocket& s, const std::string& request, const std::string& what) {
  s.write_all(request);
  Response r = http_wire::read_response(s, what);
  http_wire::expect_status(r, 200, what);
  return r;
}

void expect_ok_body(CaseContext& ctx, const std::string& request, std::string_view body,
                    const std::string& what) {
  BlockingSocket s = ctx.connect();
  expect_bytes(ok_response(s, request, what).body, body, what);
  // The request was fine, so the connection must stay usable.
  ok_response(s, http_wire::get("/"), "GET / after: " + what);
}

// curl sends Expect: 100-continue before larger bodies and waits for the interim answer (RFC
// 9110 10.1.1): a server that says nothing stalls it. A final status instead of 100 is allowed.
void expect_continue(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  s.write_all(
      "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n"
      "Expect: 100-continue\r\n\r\n");
  Response interim = http_wire::read_response(s, "POST with Expect: 100-continue, no body yet");
  if (interim.status != 100) return;  // a final answer without reading the body is fine too
  s.write_all("hello");
  Response r = http_wire::read_response(s, "POST body after 100 Continue");
  http_wire::expect_status(r, 200, "POST body after 100 Continue");
  expect_bytes(r.body, "hello", "POST body after 100 Continue");
}

// RFC 9112 3.2.2: a server MUST accept the absolute-form.
void absolute_form(CaseContext& ctx) {
  expect_ok_body(ctx, "GET http://127.0.0.1/json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                 "{\"message\":\"Hello, World!\"}", "absolute-form GET http://127.0.0.1/json");
}

void names_case_insensitive(CaseContext& ctx) {
  expect_ok_body(ctx, "POST /echo HTTP/1.1\r\nhOST: 127.0.0.1\r\ncontent-LENGTH: 4\r\n\r\nabcd",
                 "abcd", "header names in mixed case");
}

void chunked_case_insensitive(CaseContext& ctx) {
  expect_ok_body(ctx,
                 "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
                 "3\r\nabc\r\n0\r\n\r\n",
                 "abc", "Transfer-Encoding: Chunked (codings are case-insensitive)");
}

void content_length_leading_zeros(CaseContext& ctx) {
  expect_ok_body(ctx, "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0004\r\n\r\nabcd",
                 "abcd", "Content-Length: 0004 (1*DIGIT)");
}

void tab_whitespace(CaseContext& ctx) {
  expect_ok_body(ctx, "GET / HTTP/1.1\r\nHost:\t127.0.0.1\t\r\n\r\n", "Hello World",
                 "tabs as optional whitespace around a header value");
}

// RFC 9112 2.2: a server SHOULD ignore at least one empty line before the request line (some
// clients send a CRLF after a POST body).
void empty_line_before_request(CaseContext& ctx) {
  expect_ok_body(ctx, "\r\n" + http_wire::get("/"), "Hello World", "CRLF before the request line");
}

// RFC 9110 2.5: an unknown minor version of a known major version is served as the highest one
// the server knows (1.1).
void minor_version_1_2(CaseContext& ctx) {
  expect_ok_body(ctx, "GET / HTTP/1.2\r\nHost: 127.0.0.1\r\n\r\n", "Hello World", "HTTP/1.2");
}

// HEAD: the headers of a GET, no body. The GET that follows proves no body bytes were sent.
void head(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  s.write_all("HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  const std::string head = s.read_until("\r\n\r\n", 16384);
  expect(head.rfind("HTTP/1.1 200 ", 0) == 0,
         "HEAD /: expected 200, got \"" + printable(head) + "\"");
  ok_response(s, http_wire::get("/json"),
              "GET /json after HEAD / (no body may follow a HEAD answer)");
}

// RFC 9112 9.6: the server SHOULD say it will close.
void close_announced(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  Response r = ok_response(s, http_wire::get("/", "Connection: close\r\n"), "Connection: close");
  expect(r.header_has_token("Connection", "close"),
         "response to Connection: close does not carry Connection: close");
}

// An HTTP/1.0 client keeps the connection only when the answer says keep-alive (ab -k relies on
// it): without the header it must assume a close.
void keep_alive_announced_http10(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  Response r = ok_response(s, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                           "HTTP/1.0 with Connection: keep-alive");
  expect(r.header_has_token("Connection", "keep-alive"),
         "HTTP/1.0 keep-alive request answered without Connection: keep-alive");
}

// Requests then the client's FIN: every request is still answered (a /sleep included), then the
// server closes.
void half_close_after_requests(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  s.write_all(http_wire::get("/sleep?ms=100") + http_wire::get("/"));
  s.shutdown_write();
  http_wire::expect_status(http_wire::read_response(s, "/sleep before the client's FIN"), 200,
                           "/sleep before the client's FIN");
  http_wire::expect_status(http_wire::read_response(s, "GET / before the client's FIN"), 200,
                           "GET / before the client's FIN");
  expect_closed(s, ctx.options().io_timeout, "after answering everything sent before the FIN");
}

}  // namespace

void add_http_compat_cases(CaseList& list) {
  add_case(list, "http", "compat", "expect_100_continue", expect_continue);
  add_case(list, "http", "compat", "absolute_form_target", absolute_form);
  add_case(list, "http", "compat", "header_names_case_insensitive", names_case_insensitive);
  add_case(list, "http", "compat", "chunked_case_insensitive", chunked_case_insensitive);
  add_case(list, "http", "compat", "content_length_leading_zeros", content_length_leading_zeros);
  add_case(list, "http", "compat", "tab_as_whitespace", tab_whitespace);
  add_case(list, "http", "compat", "empty_line_before_request", empty_line_before_request);
  add_case(list, "http", "compat", "minor_version_1_2", minor_version_1_2);
  add_case(list, "http", "compat", "head_has_no_body", head);
  add_case(list, "http", "compat", "connection_close_announced", close_announced);
  add_case(list, "http", "compat", "http10_keep_alive_announced", keep_alive_announced_http10);
  add_case(list, "http", "compat", "half_close_after_requests", half_close_after_requests);
}

}  // namespace archbench::conformance
