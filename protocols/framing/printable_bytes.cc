#include "protocols/framing/printable_bytes.h"

namespace archbench::framing {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

void append_hex_byte(unsigned char byte, std::string& out) {
  out.push_back(kHexDigits[byte >> 4]);
  out.push_back(kHexDigits[byte & 0x0f]);
}

}  // namespace

std::string printable_bytes(std::string_view bytes, std::size_t max_bytes) {
  const bool truncated = bytes.size() > max_bytes;
  if (truncated) bytes = bytes.substr(0, max_bytes);
  std::string out;
  out.reserve(bytes.size() + 8);
  for (char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '\r': out += "\\r"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      default:
        if (byte >= 0x20 && byte <= 0x7e) {
          out.push_back(c);
        } else {
          out += "\\x";
          append_hex_byte(byte, out);
        }
    }
  }
  if (truncated) out += "...";
  return out;
}

std::string hex_bytes(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 3);
  for (char c : bytes) {
    if (!out.empty()) out.push_back(' ');
    append_hex_byte(static_cast<unsigned char>(c), out);
  }
  return out;
}

}  // namespace archbench::framing
