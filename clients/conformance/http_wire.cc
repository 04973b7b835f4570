#include "clients/conformance/http_wire.h"

#include <cctype>

#include "clients/conformance/conformance_case.h"

namespace archbench::conformance::http_wire {
namespace {

constexpr std::size_t kMaxResponseHead = 64 * 1024;
constexpr std::size_t kMaxResponseBody = std::size_t{64} << 20;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 5.6.7), checked by shape.
bool is_imf_fixdate(std::string_view d) {
  static const std::string_view kShape = "Aaa, 00 Aaa 0000 00:00:00 GMT";
  if (d.size() != kShape.size()) return false;
  for (std::size_t i = 0; i < d.size(); ++i) {
    const char want = kShape[i];
    const unsigned char got = static_cast<unsigned char>(d[i]);
    if (want == 'A' && !std::isupper(got)) return false;
    if (want == 'a' && !std::islower(got)) return false;
    if (want == '0' && !std::isdigit(got)) return false;
    if (want != 'A' && want != 'a' && want != '0' && d[i] != want) return false;
  }
  return true;
}

std::string read_chunked(BlockingSocket& socket, const std::string& what) {
  std::string body;
  while (true) {
    std::string line = socket.read_until("\r\n", 1024);
    std::string_view size_text = std::string_view(line).substr(0, line.size() - 2);
    size_text = size_text.substr(0, size_text.find(';'));
    std::size_t size = 0;
    for (char c : trim(size_text)) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) || size > (kMaxResponseBody >> 4)) {
        fail(what + ": bad chunk size line in response \"" + printable(line) + "\"");
      }
      size = size * 16 + static_cast<std::size_t>(std::isdigit(static_cast<unsigned char>(c))
                                                      ? c - '0'
                                                      : std::tolower(c) - 'a' + 10);
    }
    if (size == 0) {
      while (socket.read_until("\r\n", 8192) != "\r\n") {
      }
      return body;
    }
    body += socket.read_exact(size);
    if (socket.read_exact(2) != "\r\n") fail(what + ": chunk data not followed by CRLF");
  }
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

const std::string* Response::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return &v;
  }
  return nullptr;
}

int Response::header_count(std::string_view name) const {
  int count = 0;
  for (const auto& h : headers) count += iequals(h.first, name) ? 1 : 0;
  return count;
}

bool Response::header_has_token(std::string_view name, std::string_view token) const {
  for (const auto& [n, v] : headers) {
    if (!iequals(n, name)) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      std::size_t comma = rest.find(',');
      if (iequals(trim(rest.substr(0, comma)), token)) return true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return false;
}

std::string get(std::string_view target, std::string_view extra_headers) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
         std::string(extra_headers) + "\r\n";
}

std::string post(std::string_view target, std::string_view body, std::string_view extra_headers) {
  return "POST " + std::string(target) +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         std::string(extra_headers) + "\r\n" + std::string(body);
}

Response read_response(BlockingSocket& socket, const std::string& what) {
  const std::string head = socket.read_until("\r\n\r\n", kMaxResponseHead);
  Response r;
  std::string_view rest(head);
  rest.remove_suffix(2);  // the empty line's CRLF; every line below ends in CRLF
  const std::size_t eol = rest.find("\r\n");
  const std::string_view status_line = rest.substr(0, eol);
  rest.remove_prefix(eol + 2);
  // status-line = HTTP-version SP 3DIGIT SP [reason-phrase]
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || status_line[8] != ' ' ||
      !all_digits(status_line.substr(9, 3)) ||
      (status_line.size() > 12 && status_line[12] != ' ')) {
    fail(what + ": malformed status line \"" + printable(status_line) + "\"");
  }
  r.version = std::string(status_line.substr(0, 8));
  r.status = std::stoi(std::string(status_line.substr(9, 3)));
  r.reason = status_line.size() > 13 ? std::string(status_line.substr(13)) : "";
  while (!rest.empty()) {
    const std::size_t end = rest.find("\r\n");
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 2);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || line[colon - 1] == ' ' ||
        line.front() == ' ' || line.find('\r') != std::string_view::npos ||
        line.find('\n') != std::string_view::npos) {
      fail(what + ": malformed response header line \"" + printable(line) + "\"");
    }
    r.headers.emplace_back(std::string(line.substr(0, colon)),
                           std::string(trim(line.substr(colon + 1))));
  }
  const bool no_body = (r.status >= 100 && r.status < 200) || r.status == 204 || r.status == 304;
  if (no_body) return r;
  if (r.header_has_token("Transfer-Encoding", "chunked")) {
    r.body = read_chunked(socket, what);
    return r;
  }
  if (r.header_count("Content-Length") != 1) {
    fail(what + ": response " + std::to_string(r.status) + " has " +
         std::to_string(r.header_count("Content-Length")) +
         " Content-Length headers (expected exactly one)");
  }
  const std::string& length_text = *r.header("Content-Length");
  if (!all_digits(length_text) || length_text.size() > 9) {
    fail(what + ": bad Content-Length \"" + printable(length_text) + "\"");
  }
  const std::size_t length = std::stoul(length_text);
  if (length > kMaxResponseBody) fail(what + ": response body over 64 MiB");
  r.body = socket.read_exact(length);
  return r;
}

void expect_standard_headers(const Response& r, const std::string& what) {
  const std::string* date = r.header("Date");
  expect(date != nullptr, what + ": no Date header");
  expect(is_imf_fixdate(*date), what + ": Date \"" + printable(*date) + "\" is not an IMF-fixdate");
  const std::string* server = r.header("Server");
  expect(server != nullptr, what + ": no Server header");
  expect(server->rfind("archbench/", 0) == 0,
         what + ": Server \"" + printable(*server) + "\" does not start with archbench/");
  expect(r.header("Content-Length") != nullptr, what + ": no Content-Length header");
  expect(r.header("Content-Type") != nullptr, what + ": no Content-Type header");
}

void expect_status(const Response& r, int status, const std::string& what) {
  if (r.status != status) {
    fail(what + ": expected status " + std::to_string(status) + ", got " +
         std::to_string(r.status) + " " + r.reason + " (body \"" + printable(r.body) + "\")");
  }
}

void expect_refused_and_closed(BlockingSocket& socket, std::string_view request, int status,
                               const std::string& what, Millis close_timeout) {
  socket.write_all_or_closed(request);
  Response r;
  try {
    r = read_response(socket, what);
  } catch (const SocketError& error) {
    fail(what + ": expected a " + std::to_string(status) + " response, but " + error.what());
  }
  expect_status(r, status, what);
  expect_closed(socket, close_timeout, what + ": after the " + std::to_string(status));
}

}  // namespace archbench::conformance::http_wire
