#include "servers/core/escape_sequences.h"

namespace archbench {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> decode_escapes(std::string_view text, std::string* error) {
  std::string decoded;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '\\') {
      decoded.push_back(c);
      continue;
    }
    if (i + 1 >= text.size()) {
      if (error) *error = "dangling backslash at the end of '" + std::string(text) + "'";
      return std::nullopt;
    }
    char e = text[++i];
    switch (e) {
      case 'r': decoded.push_back('\r'); break;
      case 'n': decoded.push_back('\n'); break;
      case 't': decoded.push_back('\t'); break;
      case '0': decoded.push_back('\0'); break;
      case '\\': decoded.push_back('\\'); break;
      case 'x': {
        int high = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
        int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
        if (high < 0 || low < 0) {
          if (error) *error = "\\x needs two hex digits in '" + std::string(text) + "'";
          return std::nullopt;
        }
        decoded.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        break;
      }
      default:
        if (error) {
          *error = "unknown escape \\" + std::string(1, e) + " in '" + std::string(text) +
                   "' (known: \\r \\n \\t \\0 \\\\ \\xHH)";
        }
        return std::nullopt;
    }
  }
  return decoded;
}

}  // namespace archbench
