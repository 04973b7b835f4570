// Request-parser micro-benchmarks: ours against Debian's libhttp-parser (the nodejs parser), on
// the same bytes. To be fair the libhttp_parser side does what a server must do with it:
// its callbacks collect method, URL and every header name and value into strings of a reused
// struct, as ours fills a reused http::Request. Compare as ratios (Debian's libbenchmark is a
// debug build; see BAZEL_OFFLINE.md).
#include <benchmark/benchmark.h>
#include <http_parser.h>

#include <string>
#include <utility>
#include <vector>

#include "protocols/http/request_parser.h"

namespace archbench::http {
namespace {

const std::string kSmallGet = "GET /json HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";

const std::string kBrowserGet =
    "GET /inspect?page=2&sort=desc HTTP/1.1\r\n"
    "Host: localhost:8080\r\n"
    "Connection: keep-alive\r\n"
    "sec-ch-ua: \"Chromium\";v=\"120\", \"Not?A_Brand\";v=\"8\"\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "*/*;q=0.8\r\n"
    "Sec-Fetch-Site: none\r\n"
    "Sec-Fetch-Mode: navigate\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Accept-Language: en-US,en;q=0.9\r\n"
    "Cookie: session=6f1d0c2a9b3e4f5a; theme=dark; lang=en\r\n"
    "\r\n";

std::string pipelined(const std::string& one, int count) {
  std::string all;
  for (int i = 0; i < count; ++i) all += one;
  return all;
}

const std::string kPipelined16 = pipelined(kSmallGet, 16);

// ---- ours -------------------------------------------------------------------------------

void run_ours(benchmark::State& state, const std::string& input, int requests_per_input) {
  RequestParser parser(RequestLimits{});
  std::size_t parsed = 0;
  for (auto _ : state) {
    std::string_view rest = input;
    while (!rest.empty()) {
      RequestParser::Result r = parser.feed(rest);
      rest.remove_prefix(r.consumed);
      if (r.status != RequestParser::Status::kComplete) {
        state.SkipWithError("parse failed");
        return;
      }
      benchmark::DoNotOptimize(parser.request().headers.data());
      ++parsed;
      parser.reset();
    }
  }
  if (parsed != state.iterations() * static_cast<std::size_t>(requests_per_input)) {
    state.SkipWithError("wrong request count");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
  state.SetItemsProcessed(static_cast<int64_t>(parsed));
}

// ---- libhttp_parser -----------------------------------------------------------------------

// What a server built on libhttp_parser keeps per request; reused like our Request.
struct Collected {
  std::string method;
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::size_t header_count = 0;
  bool in_value = false;
  std::string body;
  std::size_t complete = 0;
};

Collected& collected(http_parser* p) { return *static_cast<Collected*>(p->data); }

int on_message_begin(http_parser* p) {
  Collected& c = collected(p);
  c.url.clear();
  c.body.clear();
  c.header_count = 0;
  c.in_value = false;
  return 0;
}

int on_url(http_parser* p, const char* at, std::size_t n) {
  collected(p).url.append(at, n);
  return 0;
}

int on_header_field(http_parser* p, const char* at, std::size_t n) {
  Collected& c = collected(p);
  if (c.header_count == 0 || c.in_value) {  // a new field starts (callbacks may be split)
    if (c.header_count == c.headers.size()) c.headers.emplace_back();
    c.headers[c.header_count].first.assign(at, n);
    c.headers[c.header_count].second.clear();
    ++c.header_count;
    c.in_value = false;
  } else {
    c.headers[c.header_count - 1].first.append(at, n);
  }
  return 0;
}

int on_header_value(http_parser* p, const char* at, std::size_t n) {
  Collected& c = collected(p);
  c.headers[c.header_count - 1].second.append(at, n);
  c.in_value = true;
  return 0;
}

int on_headers_complete(http_parser* p) {
  collected(p).method.assign(http_method_str(static_cast<http_method>(p->method)));
  return 0;
}

int on_body(http_parser* p, const char* at, std::size_t n) {
  collected(p).body.append(at, n);
  return 0;
}

int on_message_complete(http_parser* p) {
  ++collected(p).complete;
  return 0;
}

void run_libhttp_parser(benchmark::State& state, const std::string& input,
                        int requests_per_input) {
  http_parser_settings settings;
  http_parser_settings_init(&settings);
  settings.on_message_begin = on_message_begin;
  settings.on_url = on_url;
  settings.on_header_field = on_header_field;
  settings.on_header_value = on_header_value;
  settings.on_headers_complete = on_headers_complete;
  settings.on_body = on_body;
  settings.on_message_complete = on_message_complete;
  Collected c;
  http_parser parser;
  http_parser_init(&parser, HTTP_REQUEST);  // one keep-alive connection: init once
  parser.data = &c;
  for (auto _ : state) {
    std::size_t n = http_parser_execute(&parser, &settings, input.data(), input.size());
    if (n != input.size() || HTTP_PARSER_ERRNO(&parser) != HPE_OK) {
      state.SkipWithError("libhttp_parser failed");
      return;
    }
    benchmark::DoNotOptimize(c.headers.data());
  }
  if (c.complete != state.iterations() * static_cast<std::size_t>(requests_per_input)) {
    state.SkipWithError("wrong request count");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
  state.SetItemsProcessed(static_cast<int64_t>(c.complete));
}

void BM_HttpParse_SmallGet(benchmark::State& s) { run_ours(s, kSmallGet, 1); }
void BM_HttpParse_SmallGet_libhttp_parser(benchmark::State& s) {
  run_libhttp_parser(s, kSmallGet, 1);
}
void BM_HttpParse_BrowserGet(benchmark::State& s) { run_ours(s, kBrowserGet, 1); }
void BM_HttpParse_BrowserGet_libhttp_parser(benchmark::State& s) {
  run_libhttp_parser(s, kBrowserGet, 1);
}
void BM_HttpParse_Pipelined16(benchmark::State& s) { run_ours(s, kPipelined16, 16); }
void BM_HttpParse_Pipelined16_libhttp_parser(benchmark::State& s) {
  run_libhttp_parser(s, kPipelined16, 16);
}

BENCHMARK(BM_HttpParse_SmallGet);
BENCHMARK(BM_HttpParse_SmallGet_libhttp_parser);
BENCHMARK(BM_HttpParse_BrowserGet);
BENCHMARK(BM_HttpParse_BrowserGet_libhttp_parser);
BENCHMARK(BM_HttpParse_Pipelined16);
BENCHMARK(BM_HttpParse_Pipelined16_libhttp_parser);

}  // namespace
}  // namespace archbench::http
