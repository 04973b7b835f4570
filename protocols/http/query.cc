#include "protocols/http/query.h"

namespace archbench::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits `list` at `separator` and hands each non-empty item to `visit`.
template <typename Visit>
void for_each_item(std::string_view list, char separator, Visit visit) {
  while (!list.empty()) {
    std::size_t end = list.find(separator);
    std::string_view item = list.substr(0, end);
    if (!item.empty()) visit(item);
    if (end == std::string_view::npos) break;
    list.remove_prefix(end + 1);
  }
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view in, bool plus_as_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      int hi = hex_value(in[i + 1]);
      int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

NameValues parse_query(std::string_view query) {
  NameValues items;
  for_each_item(query, '&', [&](std::string_view item) {
    std::size_t eq = item.find('=');
    std::string_view name = item.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
    auto decoded_name = percent_decode(name, true);
    auto decoded_value = percent_decode(value, true);
    items.emplace_back(decoded_name ? *decoded_name : std::string(name),
                       decoded_value ? *decoded_value : std::string(value));
  });
  return items;
}

NameValues parse_cookies(std::string_view cookie_header) {
  NameValues items;
  for_each_item(cookie_header, ';', [&](std::string_view item) {
    item = trim_spaces(item);
    if (item.empty()) return;
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) return;  // not a cookie-pair (RFC 6265 5.2: ignore)
    std::string_view name = trim_spaces(item.substr(0, eq));
    std::string_view value = trim_spaces(item.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (!name.empty()) items.emplace_back(std::string(name), std::string(value));
  });
  return items;
}

const std::string* find_value(const NameValues& items, std::string_view name) {
  for (const auto& [n, v] : items) {
    if (n == name) return &v;
  }
  return nullptr;
}

}  // namespace archbench::http
