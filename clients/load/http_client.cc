#include "clients/load/http_client.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <charconv>
#include <optional>
#include <vector>

#include "clients/load/payload.h"
#include "protocols/framing/printable_bytes.h"
#include "protocols/http/application.h"
#include "protocols/http/query.h"
#include "protocols/http/request.h"
#include "protocols/http/response_parser.h"

namespace archbench::load {
namespace {

constexpr std::string_view kRequiredHeaders[] = {"Server", "Date", "Content-Type",
                                                 "Content-Length"};
constexpr std::string_view kJsonBody = R"({"message":"Hello, World!"})";

// What the route promises for the body of a 2xx reply.
struct ExpectedBody {
  enum class Kind { kAny, kExact, kJson } kind = Kind::kAny;
  std::string bytes;  // kExact: the body; kJson: its canonical text
};

// The value of `name` in the query (n of /bytes?n=N, ms of /sleep?ms=N), when the first item
// of that name holds a plain decimal.
std::optional<std::size_t> decimal_parameter(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
      std::size_t n = 0;
      const std::string_view digits = pair.substr(name.size() + 1);
      const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
      if (error == std::errc() && end == digits.data() + digits.size()) return n;
      return std::nullopt;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// What GET /inspect must describe: this client's own request (DESIGN.md, "http"). `path` is
// percent-decoded; the headers are exactly those the request carries, lower-cased; the query
// keeps the first value of each name; no cookies are sent.
std::string inspect_document(const Options& o, const std::string& path, std::string_view query,
                             const std::vector<http::Header>& headers) {
  nlohmann::json query_object = nlohmann::json::object();
  for (const auto& [name, value] : http::parse_query(query)) {
    if (!query_object.contains(name)) query_object[name] = value;
  }
  nlohmann::json header_object = nlohmann::json::object();
  for (const http::Header& h : headers) {
    std::string name = h.name;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    header_object[name] = h.value;
  }
  const nlohmann::json document = {{"method", o.method},
                                   {"path", path},
                                   {"query", query_object},
                                   {"headers", header_object},
                                   {"cookies", nlohmann::json::object()}};
  return document.dump();
}

ExpectedBody expected_body(const Options& o, const std::string& request_body,
                           const std::vector<http::Header>& request_headers) {
  const std::string_view target = o.path;
  const auto question = target.find('?');
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  ExpectedBody expected;
  // The server routes by the percent-decoded path; one that does not decode gets a 400.
  const std::optional<std::string> decoded =
      http::percent_decode(target.substr(0, question), /*plus_as_space=*/false);
  if (!decoded) return expected;
  const std::string& path = *decoded;
  if (o.method == "HEAD") {
    expected.kind = ExpectedBody::Kind::kExact;  // empty
  } else if (o.method == "GET" && path == "/") {
    expected = {ExpectedBody::Kind::kExact, "Hello World"};
  } else if (o.method == "GET" && path == "/json") {
    expected = {ExpectedBody::Kind::kJson, std::string(kJsonBody)};
  } else if (o.method == "POST" && path == "/echo") {
    expected = {ExpectedBody::Kind::kExact, request_body};
  } else if (o.method == "GET" && path == "/bytes") {
    if (auto n = decimal_parameter(query, "n")) {
      expected = {ExpectedBody::Kind::kExact, http::bytes_body(*n)};
    }
  } else if (o.method == "GET" && path == "/sleep") {
    if (auto ms = decimal_parameter(query, "ms")) {
      expected = {ExpectedBody::Kind::kExact, "slept " + std::to_string(*ms) + " ms"};
    }
  } else if (o.method == "GET" && path == "/inspect") {
    expected = {ExpectedBody::Kind::kJson, inspect_document(o, path, query, request_headers)};
  }
  return expected;
}

class HttpClient final : public ProtocolClient {
 public:
  HttpClient(const Options& o, std::uint64_t connection_index) : head_(o.method == "HEAD") {
    const std::string body = random_bytes(o.body_size, o.seed, connection_index);
    const bool v6 = o.host.find(':') != std::string::npos;
    std::vector<http::Header> headers = {
        {"Host", (v6 ? "[" + o.host + "]" : o.host) + ":" + std::to_string(o.port)}};
    if (!body.empty() || o.method == "POST" || o.method == "PUT") {
      headers.push_back({"Content-Type", "application/octet-stream"});
      headers.push_back({"Content-Length", std::to_string(body.size())});
    }
    if (!o.keepalive) headers.push_back({"Connection", "close"});
    request_ = o.method + " " + o.path + " HTTP/1.1\r\n";
    for (const http::Header& h : headers) request_ += h.name + ": " + h.value + "\r\n";
    request_ += "\r\n" + body;
    expected_ = expected_body(o, body, headers);
    parser_.expect_head_response(head_);
  }

  void append_request(std::string& out) override { out += request_; }

  ParseStep consume(std::string_view data, ReplyVerdict& verdict) override {
    std::size_t used = 0;
    for (;;) {
      const http::ResponseParser::Result result = parser_.feed(data.substr(used));
      used += result.consumed;
      switch (result.status) {
        case http::ResponseParser::Status::kNeedMore:
          return {ParseStep::Event::kNeedMore, used};
        case http::ResponseParser::Status::kError:
          wrong(verdict, "a well-formed HTTP/1.1 response",
                "unparsable response (" + std::string(parser_.error().reason) + ")");
          return {ParseStep::Event::kReply, data.size()};
        case http::ResponseParser::Status::kComplete:
          break;
      }
      const int status = parser_.response().status;
      if (status < 100 || status >= 200) break;
      next_response();  // an interim reply (100 Continue): the real one follows
    }
    judge(verdict);
    next_response();
    return {ParseStep::Event::kReply, used};
  }

  ParseStep on_peer_closed(ReplyVerdict& verdict) override {
    if (parser_.finish() != http::ResponseParser::Status::kComplete) return {};
    judge(verdict);
    next_response();
    return {ParseStep::Event::kReply, 0};
  }

  void reset() override { next_response(); }

 private:
  void next_response() {
    parser_.reset();
    parser_.expect_head_response(head_);
  }

  static void wrong(ReplyVerdict& verdict, std::string expected, std::string got) {
    verdict.kind = ReplyVerdict::Kind::kWrong;
    verdict.expected = std::move(expected);
    verdict.got = std::move(got);
  }

  void judge(ReplyVerdict& verdict) {
    const http::ParsedResponse& response = parser_.response();
    verdict.peer_closes = !response.keep_alive;
    verdict.http_status = response.status;
    for (std::string_view name : kRequiredHeaders) {
      if (response.find_header(name) == nullptr) {
        wrong(verdict, "a " + std::string(name) + " header",
              "status " + std::to_string(response.status) + " without it");
        return;
      }
    }
    if (response.status < 200 || response.status > 299) {
      verdict.kind = ReplyVerdict::Kind::kHttpStatus;
      return;
    }
    if (body_matches(response.body)) {
      verdict.kind = ReplyVerdict::Kind::kOk;
      return;
    }
    wrong(verdict,
          "body \"" + framing::printable_bytes(expected_.bytes, 40) + "\" (" +
              std::to_string(expected_.bytes.size()) + " bytes)",
          "body \"" + framing::printable_bytes(response.body, 40) + "\" (" +
              std::to_string(response.body.size()) + " bytes)");
  }

  bool body_matches(const std::string& body) const {
    switch (expected_.kind) {
      case ExpectedBody::Kind::kAny:
        return true;
      case ExpectedBody::Kind::kExact:
        return body == expected_.bytes;
      case ExpectedBody::Kind::kJson: {
        // The byte-exact form is the common case; other spacing is still the same JSON.
        if (body == expected_.bytes) return true;
        const auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
        return !parsed.is_discarded() && parsed == nlohmann::json::parse(expected_.bytes);
      }
    }
    return false;
  }

  const bool head_;
  std::string request_;
  ExpectedBody expected_;
  http::ResponseParser parser_;
};

}  // namespace

std::unique_ptr<ProtocolClient> make_http_client(const Options& options,
                                                 std::uint64_t connection_index) {
  return std::make_unique<HttpClient>(options, connection_index);
}

}  // namespace archbench::load
