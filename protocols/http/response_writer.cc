#include "protocols/http/response_writer.h"

#include <charconv>

#include "protocols/http/status.h"

namespace archbench::http {
namespace {

void append_number(std::string& out, std::size_t value) {
  char digits[24];
  char* end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ", 2);
  out.append(value);
  out.append("\r\n", 2);
}

}  // namespace

bool status_has_no_content(int status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

void ResponseWriter::write(const Response& response, const ResponseFraming& framing,
                           std::chrono::system_clock::time_point wall, std::string& out) {
  const bool no_content = status_has_no_content(response.status);
  const bool send_body = !no_content && !framing.head;
  std::string_view reason = reason_phrase(response.status);
  std::size_t extra = 0;
  for (const Header& h : response.headers) extra += h.name.size() + h.value.size() + 4;
  // One reservation for the whole response: headers are ~150 bytes plus what is variable.
  out.reserve(out.size() + 160 + server_name_.size() + response.content_type.size() + extra +
              (send_body ? response.body.size() : 0));

  out.append("HTTP/1.1 ", 9);
  append_number(out, static_cast<std::size_t>(response.status));
  out.push_back(' ');
  out.append(reason);
  out.append("\r\n", 2);
  append_field(out, "Server", server_name_);
  append_field(out, "Date", date_.get(wall));
  if (!response.content_type.empty()) append_field(out, "Content-Type", response.content_type);
  if (!no_content) {
    out.append("Content-Length: ", 16);
    append_number(out, response.content_length.value_or(response.body.size()));
    out.append("\r\n", 2);
  }
  for (const Header& h : response.headers) append_field(out, h.name, h.value);
  if (framing.close) {
    out.append("Connection: close\r\n", 19);
  } else if (framing.version_minor == 0 && response.status != 101) {
    out.append("Connection: keep-alive\r\n", 24);
  }
  out.append("\r\n", 2);
  if (send_body) out.append(response.body);
}

void ResponseWriter::write_continue(std::string& out) {
  out.append("HTTP/1.1 100 Continue\r\n\r\n");
}

}  // namespace archbench::http
