// --protocol http: connection handling (keep-alive, Connection: close, HTTP/1.0, pipelining),
// request bodies (Content-Length and chunked) and the WebSocket upgrade in http mode.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "clients/conformance/case_catalogue.h"
#include "clients/conformance/http_wire.h"
#include "clients/conformance/websocket_wire.h"

namespace archbench::conformance {
namespace {

using http_wire::Response;

Response expect_ok(BlockingSocket& s, const std::string& what) {
  Response r = http_wire::read_response(s, what);
  http_wire::expect_status(r, 200, what);
  return r;
}

// /inspect answers carry their query back: pipelined replies can be matched to requests.
void expect_inspect_seq(BlockingSocket& s, int seq, const std::string& what) {
  Response r = expect_ok(s, what);
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  const std::string want = std::to_string(seq);
  expect(!j.is_discarded() && j.contains("query") && j["query"].value("seq", "") == want,
         what + ": expected the answer to seq=" + want + ", got \"" + printable(r.body) + "\"");
}

void keep_alive(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  for (int i = 0; i < 5; ++i) {
    s.write_all(http_wire::get("/inspect?seq=" + std::to_string(i)));
    expect_inspect_seq(s, i, "request " + std::to_string(i) + " on one connection");
  }
  expect_silence(s, Millis(100), "an idle keep-alive connection");
}

void connection_close_then_more(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  s.write_all(http_wire::get("/", "Connection: close\r\n") + http_wire::get("/json"));
  Response r = expect_ok(s, "GET / with Connection: close");
  expect_bytes(r.body, "Hello World", "GET / with Connection: close");
  expect_closed(s, ctx.options().io_timeout,
                "after the Connection: close response (the second "
                "request must not be answered)");
}

void http10_closes(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  s.write_all("GET / HTTP/1.0\r\n\r\n");
  Response r = expect_ok(s, "HTTP/1.0 GET /");
  expect_bytes(r.body, "Hello World", "HTTP/1.0 GET /");
  expect(r.header("Transfer-Encoding") == nullptr, "HTTP/1.0 GET /: chunked reply to HTTP/1.0");
  expect_closed(s, ctx.options().io_timeout, "after an HTTP/1.0 response without keep-alive");
}

void http10_keep_alive(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  for (int i = 0; i < 3; ++i) {
    s.write_all("GET /inspect?seq=" + std::to_string(i) +
                " HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    expect_inspect_seq(s, i, "HTTP/1.0 keep-alive request " + std::to_string(i));
  }
}

void pipelined_16(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  std::string all;
  for (int i = 0; i < 16; ++i) all += http_wire::get("/inspect?seq=" + std::to_string(i));
  s.write_all(all);
  for (int i = 0; i < 16; ++i) expect_inspect_seq(s, i, "pipelined answer " + std::to_string(i));
}

void pipelined_mixed_routes(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  s.write_all(http_wire::get("/") + http_wire::post("/echo", "body-1") + http_wire::get("/nope") +
              http_wire::get("/bytes?n=7") + http_wire::post("/echo", "body-2"));
  expect_bytes(expect_ok(s, "pipelined GET /").body, "Hello World", "pipelined GET /");
  expect_bytes(expect_ok(s, "pipelined POST /echo").body, "body-1", "pipelined POST /echo");
  http_wire::expect_status(http_wire::read_response(s, "pipelined 404"), 404, "pipelined 404");
  expect(expect_ok(s, "pipelined /bytes").body.size() == 7, "pipelined /bytes?n=7: wrong size");
  expect_bytes(expect_ok(s, "pipelined POST /echo").body, "body-2", "second pipelined POST");
}

// A slow first request must not let later ones overtake it.
void pipelined_after_sleep(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  s.write_all(http_wire::get("/sleep?ms=100") + http_wire::get("/inspect?seq=1") +
              http_wire::get("/sleep?ms=10") + http_wire::get("/inspect?seq=3"));
  expect_ok(s, "pipelined /sleep?ms=100 (must come first)");
  expect_inspect_seq(s, 1, "pipelined request after /sleep");
  expect_ok(s, "pipelined /sleep?ms=10");
  expect_inspect_seq(s, 3, "pipelined request after the second /sleep");
}

// Many pipelined requests whose answers (13 MiB) far exceed the socket buffers: the server must
// hold back (or stop reading) rather than drop or reorder anything.
void deep_pipeline_large_replies(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  std::string all;
  for (int i = 0; i < 200; ++i) all += http_wire::get("/bytes?n=" + std::to_string(65536 + i));
  s.write_all(all);
  for (int i = 0; i < 200; ++i) {
    const std::size_t want = 65536 + static_cast<std::size_t>(i);
    const std::size_t got = expect_ok(s, "pipelined /bytes " + std::to_string(i)).body.size();
    expect(got == want, "pipelined answer " + std::to_string(i) + ": expected " +
                            std::to_string(want) + " body bytes, got " + std::to_string(got));
  }
}

// A pending /sleep on one connection must not hold up another connection's request.
void sleep_does_not_block_others(CaseContext& ctx) {
  BlockingSocket sleeper = ctx.connect();
  sleeper.write_all(http_wire::get("/sleep?ms=300"));
  BlockingSocket other = ctx.connect();
  other.write_all(http_wire::get("/"));
  expect_ok(other, "GET / on a second connection while the first one's /sleep is pending");
  expect(sleeper.buffered() == 0 && sleeper.read_for(Millis(0)).empty(),
         "the /sleep?ms=300 answer came before the other connection's GET /");
  expect_ok(sleeper, "the /sleep?ms=300 answer");
}

void request_byte_by_byte(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  s.write_in_pieces(http_wire::post("/echo", "split"), 1, Millis(1));
  expect_bytes(expect_ok(s, "POST /echo written byte by byte").body, "split",
               "POST /echo written byte by byte");
}

// The write boundary falls inside the second request.
void split_between_requests(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::string both = http_wire::get("/inspect?seq=1") + http_wire::get("/inspect?seq=2");
  const std::size_t cut = http_wire::get("/inspect?seq=1").size() + 9;
  s.write_all(both.substr(0, cut));
  expect_inspect_seq(s, 1, "first request");
  std::this_thread::sleep_for(Millis(20));
  s.write_all(both.substr(cut));
  expect_inspect_seq(s, 2, "second request completed by a later write");
}

void body_in_pieces(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::string body = ctx.random_bytes(30000);
  const std::string request = http_wire::post("/echo", body);
  s.write_in_pieces(request, 997, Millis(1));
  expect_bytes(expect_ok(s, "POST /echo in 997-byte writes").body, body, "echoed body");
}

void chunked_body(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  s.write_all(
      "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n"
      "1A\r\nabcdefghijklmnopqrstuvwxyz\r\n"
      "0\r\nX-Trailer: yes\r\n\r\n");
  expect_bytes(expect_ok(s, "chunked POST /echo").body, "helloabcdefghijklmnopqrstuvwxyz",
               "de-chunked body (extension and trailer accepted)");
  s.write_all(http_wire::get("/"));
  expect_ok(s, "GET / after the chunked request");
}

void chunked_random_pieces(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  std::string request =
      "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string body;
  for (int i = 0; i < 40; ++i) {
    const std::string chunk = ctx.random_bytes(ctx.random_between(1, 3000));
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    request += size + chunk + "\r\n";
    body += chunk;
  }
  request += "0\r\n\r\n";
  std::size_t at = 0;
  while (at < request.size()) {
    const std::size_t n = std::min(ctx.random_between(1, 700), request.size() - at);
    s.write_all(request.substr(at, n));
    at += n;
  }
  expect_bytes(expect_ok(s, "chunked POST in random pieces").body, body, "de-chunked body");
}

void max_body_accepted(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::string body = ctx.random_bytes(ctx.options().package_max_length);
  s.write_all(http_wire::post("/echo", body));
  expect_bytes(expect_ok(s, "POST /echo of exactly --package-max-length").body, body,
               "echoed body");
}

void chunked_over_limit(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  char size[32];
  std::snprintf(size, sizeof size, "%zx", ctx.options().package_max_length + 1);
  http_wire::expect_refused_and_closed(
      s,
      "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
          std::string(size) + "\r\nabc",
      413, "a chunk larger than --package-max-length", ctx.options().io_timeout);
}

// In http mode an upgrade request switches the connection to WebSocket.
void upgrade(CaseContext& ctx, bool after_request) {
  BlockingSocket s = ctx.connect();
  if (after_request) {
    s.write_all(http_wire::get("/"));
    expect_ok(s, "GET / before the upgrade");
  }
  const std::string key = ws_wire::make_key(ctx);
  s.write_all(ws_wire::handshake_request("/chat", key));
  ws_wire::expect_switching(http_wire::read_response(s, "upgrade"), key, "upgrade in http mode");
  s.write_all(ws_wire::frame(ws_wire::kText, "hello over websocket"));
  ws_wire::expect_message(s, ws_wire::kText, "hello over websocket", "echo after the upgrade");
  ws_wire::close_cleanly(s, "upgraded connection");
}

}  // namespace

void add_http_connection_cases(CaseList& list) {
  add_case(list, "http", "connection", "keep_alive_five_requests", keep_alive);
  add_case(list, "http", "connection", "connection_close_then_more_bytes",
           connection_close_then_more);
  add_case(list, "http", "connection", "http10_answered_then_closed", http10_closes);
  add_case(list, "http", "connection", "http10_keep_alive", http10_keep_alive);
  add_case(list, "http", "pipelining", "sixteen_in_one_write", pipelined_16);
  add_case(list, "http", "pipelining", "mixed_routes_in_order", pipelined_mixed_routes);
  add_case(list, "http", "pipelining", "after_sleep_in_order", pipelined_after_sleep);
  add_case(list, "http", "pipelining", "deep_pipeline_large_replies", deep_pipeline_large_replies);
  add_case(list, "http", "pipelining", "request_byte_by_byte", request_byte_by_byte);
  add_case(list, "http", "pipelining", "split_between_requests", split_between_requests);
  add_case(list, "http", "connection", "sleep_does_not_block_other_connections",
           sleep_does_not_block_others, true);
  add_case(list, "http", "body", "content_length_in_pieces", body_in_pieces);
  add_case(list, "http", "body", "chunked_extension_and_trailer", chunked_body);
  add_case(list, "http", "body", "chunked_random_pieces", chunked_random_pieces);
  add_case(list, "http", "body", "max_length_accepted", max_body_accepted);
  add_case(list, "http", "body", "chunk_over_limit_413", chunked_over_limit);
  add_case(list, "http", "upgrade", "websocket_echo", [](CaseContext& c) { upgrade(c, false); });
  add_case(list, "http", "upgrade", "websocket_after_keep_alive_request",
           [](CaseContext& c) { upgrade(c, true); });
}

}  // namespace archbench::conformance
