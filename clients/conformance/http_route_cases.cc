// --protocol http, the routes of DESIGN.md and the headers every response carries.
#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "clients/conformance/case_catalogue.h"
#include "clients/conformance/http_wire.h"

namespace archbench::conformance {
namespace {

using http_wire::Response;
using Json = nlohmann::json;

Response fetch(CaseContext& ctx, BlockingSocket& s, const std::string& request,
               const std::string& what) {
  s.write_all(request);
  Response r = http_wire::read_response(s, what);
  http_wire::expect_standard_headers(r, what);
  return r;
}

void expect_content_type(const Response& r, std::string_view prefix, const std::string& what) {
  const std::string* type = r.header("Content-Type");
  expect(type != nullptr && type->rfind(std::string(prefix), 0) == 0,
         what + ": Content-Type \"" + (type ? *type : std::string("(none)")) + "\", expected " +
             std::string(prefix) + "...");
}

Json parse_json(const Response& r, const std::string& what) {
  Json j = Json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  expect(!j.is_discarded(), what + ": body is not JSON: \"" + printable(r.body) + "\"");
  return j;
}

void root(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  Response r = fetch(ctx, s, http_wire::get("/"), "GET /");
  http_wire::expect_status(r, 200, "GET /");
  expect_bytes(r.body, "Hello World", "GET / body");
  expect_content_type(r, "text/plain", "GET /");
}

void json_route(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  Response r = fetch(ctx, s, http_wire::get("/json"), "GET /json");
  http_wire::expect_status(r, 200, "GET /json");
  expect_content_type(r, "application/json", "GET /json");
  Json j = parse_json(r, "GET /json");
  expect(j == Json{{"message", "Hello, World!"}},
         "GET /json: expected {\"message\":\"Hello, World!\"}, got " + j.dump());
}

void post_echo(CaseContext& ctx, const std::string& body, const std::string& what) {
  BlockingSocket s = ctx.connect();
  Response r = fetch(ctx, s, http_wire::post("/echo", body), what);
  http_wire::expect_status(r, 200, what);
  expect_bytes(r.body, body, what + " body");
}

void inspect(CaseContext& ctx) {
  const std::string what = "GET /inspect";
  BlockingSocket s = ctx.connect();
  Response r = fetch(ctx, s,
                     http_wire::get("/inspect?a=1&b=two%20words&empty=",
                                    "X-Test-Header: Some Value\r\nCookie: c1=v1; c2=v2\r\n"),
                     what);
  http_wire::expect_status(r, 200, what);
  expect_content_type(r, "application/json", what);
  Json j = parse_json(r, what);
  const std::string got = j.dump();
  expect(j.value("method", "") == "GET", what + ": method, got " + got);
  expect(j.value("path", "") == "/inspect", what + ": path, got " + got);
  expect(j.contains("query") && j["query"] == Json{{"a", "1"}, {"b", "two words"}, {"empty", ""}},
         what + ": expected query {a:1, b:\"two words\", empty:\"\"}, got " + got);
  expect(j.contains("headers") && j["headers"].is_object(), what + ": no headers object: " + got);
  expect(j["headers"].value("x-test-header", "") == "Some Value",
         what + ": headers[\"x-test-header\"] (names lower-cased), got " + got);
  expect(j["headers"].value("host", "") == "127.0.0.1", what + ": headers[\"host\"], got " + got);
  expect(j.contains("cookies") && j["cookies"] == Json{{"c1", "v1"}, {"c2", "v2"}},
         what + ": expected cookies {c1:v1, c2:v2}, got " + got);
}

void inspect_plain(CaseContext& ctx) {
  const std::string what = "GET /inspect (no query, no cookies)";
  BlockingSocket s = ctx.connect();
  Response r = fetch(ctx, s, http_wire::get("/inspect"), what);
  http_wire::expect_status(r, 200, what);
  Json j = parse_json(r, what);
  expect(j.contains("query") && j["query"].is_object() && j["query"].empty(),
         what + ": expected an empty query object, got " + j.dump());
  expect(j.contains("cookies") && j["cookies"].is_object() && j["cookies"].empty(),
         what + ": expected an empty cookies object, got " + j.dump());
}

void bytes(CaseContext& ctx, int n) {
  const std::string what = "GET /bytes?n=" + std::to_string(n);
  BlockingSocket s = ctx.connect();
  Response r = fetch(ctx, s, http_wire::get("/bytes?n=" + std::to_string(n)), what);
  http_wire::expect_status(r, 200, what);
  expect(r.body.size() == static_cast<std::size_t>(n), what + ": expected " + std::to_string(n) +
                                                           " body bytes, got " +
                                                           std::to_string(r.body.size()));
}

void sleep_route(CaseContext& ctx) {
  const std::string what = "GET /sleep?ms=50";
  BlockingSocket s = ctx.connect();
  const auto start = std::chrono::steady_clock::now();
  Response r = fetch(ctx, s, http_wire::get("/sleep?ms=50"), what);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  http_wire::expect_status(r, 200, what);
  // Only a lower bound: how late the answer is belongs to the benchmarks.
  expect(elapsed >= Millis(50),
         what + ": answered after " +
             std::to_string(std::chrono::duration_cast<Millis>(elapsed).count()) +
             " ms, before the 50 ms were up");
}

void ws_demo(CaseContext& ctx) {
  const std::string what = "GET /ws-demo";
  BlockingSocket s = ctx.connect();
  Response r = fetch(ctx, s, http_wire::get("/ws-demo"), what);
  http_wire::expect_status(r, 200, what);
  expect_content_type(r, "text/html", what);
  expect(r.body.find("<html") != std::string::npos ||
             r.body.find("<!DOCTYPE html") != std::string::npos ||
             r.body.find("<!doctype html") != std::string::npos,
         what + ": body is not an HTML page: \"" + printable(r.body) + "\"");
  expect(r.body.find("WebSocket") != std::string::npos,
         what + ": page has no WebSocket client (no \"WebSocket\" in it)");
}

void not_found(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  Response r = fetch(ctx, s, http_wire::get("/no/such/route"), "GET /no/such/route");
  http_wire::expect_status(r, 404, "GET /no/such/route");
  // A 404 is a normal answer, not bad input: the connection stays usable.
  Response again = fetch(ctx, s, http_wire::get("/"), "GET / after a 404");
  http_wire::expect_status(again, 200, "GET / after a 404");
}

void server_header(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  for (const char* target : {"/", "/json", "/bytes?n=10", "/nope"}) {
    Response r = fetch(ctx, s, http_wire::get(target), std::string("GET ") + target);
    expect(r.header_count("Server") == 1 && r.header_count("Date") == 1 &&
               r.header_count("Content-Length") == 1 && r.header_count("Content-Type") == 1,
           std::string("GET ") + target +
               ": Server, Date, Content-Length, Content-Type must each "
               "appear exactly once");
    expect(r.version == "HTTP/1.1", std::string("GET ") + target + ": answered with " + r.version);
  }
}

}  // namespace

void add_http_route_cases(CaseList& list) {
  add_case(list, "http", "routes", "root", root);
  add_case(list, "http", "routes", "json", json_route);
  add_case(list, "http", "routes", "post_echo",
           [](CaseContext& c) { post_echo(c, "hello, echo", "POST /echo"); });
  add_case(list, "http", "routes", "post_echo_binary", [](CaseContext& c) {
    const std::size_t n = std::min<std::size_t>(70000, c.options().package_max_length);
    post_echo(c, c.random_bytes(n), "POST /echo (" + std::to_string(n) + " random bytes)");
  });
  add_case(list, "http", "routes", "post_echo_empty",
           [](CaseContext& c) { post_echo(c, "", "POST /echo (empty body)"); });
  add_case(list, "http", "routes", "inspect", inspect);
  add_case(list, "http", "routes", "inspect_without_query", inspect_plain);
  add_case(list, "http", "routes", "bytes_4000", [](CaseContext& c) { bytes(c, 4000); });
  add_case(list, "http", "routes", "bytes_0", [](CaseContext& c) { bytes(c, 0); });
  add_case(list, "http", "routes", "bytes_1m", [](CaseContext& c) { bytes(c, 1 << 20); });
  add_case(list, "http", "routes", "sleep_50ms", sleep_route);
  add_case(list, "http", "routes", "ws_demo_is_html", ws_demo);
  add_case(list, "http", "routes", "not_found", not_found);
  add_case(list, "http", "headers", "standard_headers_once", server_header);
}

}  // namespace archbench::conformance
