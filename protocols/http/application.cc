#include "protocols/http/application.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <string_view>

#include "protocols/http/query.h"
#include "protocols/http/ws_demo_page.h"

namespace archbench::http {
namespace {

constexpr std::string_view kTextPlain = "text/plain";
constexpr std::string_view kJson = "application/json";
constexpr std::string_view kOctets = "application/octet-stream";

Reply text_reply(int status, std::string_view content_type, std::string body) {
  Reply reply;
  reply.response.status = status;
  reply.response.content_type.assign(content_type);
  reply.response.body = std::move(body);
  return reply;
}

Reply bad_parameter(std::string message) {
  Reply reply = text_reply(400, kTextPlain, std::move(message));
  reply.close = true;
  return reply;
}

Reply method_not_allowed(std::string_view allow) {
  Reply reply = text_reply(405, kTextPlain, "Method Not Allowed");
  reply.response.headers.push_back(Header{"Allow", std::string(allow)});
  return reply;
}

// The decimal value of query parameter `name`, if present, all digits and <= max.
std::optional<std::size_t> bounded_parameter(const Request& request, std::string_view name,
                                             std::size_t max) {
  NameValues query = parse_query(request.query);
  const std::string* text = find_value(query, name);
  if (text == nullptr || text->empty()) return std::nullopt;
  std::size_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value > max) return std::nullopt;
  return value;
}

std::string lower_case(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

std::string bytes_body(std::size_t n) {
  std::string body(n, '\0');
  for (std::size_t i = 0; i < n; ++i) body[i] = static_cast<char>('a' + i % 26);
  return body;
}

Application::Application(const ProtocolConfig& config) : max_body_(config.package_max_length) {}

Reply Application::handle(const Request& request, const Now& now) const {
  const std::string& path = request.path;
  const bool get = request.method == "GET";
  const bool head = request.method == "HEAD";
  const bool get_route = path == "/" || path == "/json" || path == "/inspect" ||
                         path == "/bytes" || path == "/sleep" || path == "/ws-demo";
  if (get_route && !get && !head) return method_not_allowed("GET, HEAD");
  if (path == "/") return text_reply(200, kTextPlain, "Hello World");
  if (path == "/json") return text_reply(200, kJson, R"({"message":"Hello, World!"})");
  if (path == "/inspect") return inspect(request);
  if (path == "/bytes") return bytes(request, head);
  if (path == "/sleep") return sleep(request, now);
  if (path == "/ws-demo") {
    return text_reply(200, "text/html; charset=utf-8", std::string(ws_demo_page()));
  }
  if (path == "/echo") {
    if (request.method != "POST") return method_not_allowed("POST");
    const std::string* type = request.find_header("Content-Type");
    return text_reply(200, type != nullptr ? std::string_view(*type) : kOctets, request.body);
  }
  return text_reply(404, kTextPlain, "Not Found");
}

Reply Application::inspect(const Request& request) const {
  // ordered_json keeps the documented key order and the order fields arrived in.
  nlohmann::ordered_json query = nlohmann::ordered_json::object();
  for (const auto& [name, value] : parse_query(request.query)) {
    if (!query.contains(name)) query[name] = value;
  }
  nlohmann::ordered_json headers = nlohmann::ordered_json::object();
  nlohmann::ordered_json cookies = nlohmann::ordered_json::object();
  for (const Header& h : request.headers) {
    std::string name = lower_case(h.name);
    if (headers.contains(name)) {
      headers[name] = headers[name].get<std::string>() + (name == "cookie" ? "; " : ", ") + h.value;
    } else {
      headers[name] = h.value;
    }
    if (name == "cookie") {
      for (const auto& [cookie, value] : parse_cookies(h.value)) cookies[cookie] = value;
    }
  }
  nlohmann::ordered_json doc = nlohmann::ordered_json::object();
  doc["method"] = request.method;
  doc["path"] = request.path;
  doc["query"] = std::move(query);
  doc["headers"] = std::move(headers);
  doc["cookies"] = std::move(cookies);
  // Header values may hold obs-text that is not UTF-8: replace it instead of throwing.
  return text_reply(200, kJson,
                    doc.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

Reply Application::bytes(const Request& request, bool head) const {
  std::optional<std::size_t> n = bounded_parameter(request, "n", max_body_);
  if (!n) {
    return bad_parameter("n must be a decimal number from 0 to " + std::to_string(max_body_));
  }
  Reply reply = text_reply(200, kOctets, head ? std::string() : bytes_body(*n));
  if (head) reply.response.content_length = *n;
  return reply;
}

Reply Application::sleep(const Request& request, const Now& now) const {
  std::optional<std::size_t> ms = bounded_parameter(request, "ms", kMaxSleepMs);
  if (!ms) {
    return bad_parameter("ms must be a decimal number from 0 to " + std::to_string(kMaxSleepMs));
  }
  Reply reply = text_reply(200, kTextPlain, "slept " + std::to_string(*ms) + " ms");
  reply.due = now.steady + std::chrono::milliseconds(*ms);
  return reply;
}

}  // namespace archbench::http
