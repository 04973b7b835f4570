#include "servers/reactor/request_codec.h"

#include <cstdint>
#include <cstring>

namespace archbench::reactor {
namespace {

void put_u32(std::string& out, std::uint32_t value) {
  char bytes[4];
  std::memcpy(bytes, &value, 4);
  out.append(bytes, 4);
}

void put_string(std::string& out, std::string_view s) {
  put_u32(out, static_cast<std::uint32_t>(s.size()));
  out.append(s);
}

// Reads from the front of `in`, advancing it; false when `in` is too short.
bool take_u32(std::string_view& in, std::uint32_t& value) {
  if (in.size() < 4) return false;
  std::memcpy(&value, in.data(), 4);
  in.remove_prefix(4);
  return true;
}

bool take_string(std::string_view& in, std::string& value) {
  std::uint32_t n = 0;
  if (!take_u32(in, n) || in.size() < n) return false;
  value.assign(in.data(), n);
  in.remove_prefix(n);
  return true;
}

bool take_byte(std::string_view& in, unsigned char& value) {
  if (in.empty()) return false;
  value = static_cast<unsigned char>(in.front());
  in.remove_prefix(1);
  return true;
}

}  // namespace

void encode_request(const http::Request& request, std::string& out) {
  std::size_t size = 4 * 6 + 2 + request.method.size() + request.target.size() +
                     request.path.size() + request.query.size() + request.body.size();
  for (const http::Header& h : request.headers) size += 8 + h.name.size() + h.value.size();
  out.reserve(out.size() + size);
  put_string(out, request.method);
  put_string(out, request.target);
  put_string(out, request.path);
  put_string(out, request.query);
  out.push_back(static_cast<char>(request.version_minor));
  out.push_back(request.keep_alive ? 1 : 0);
  put_u32(out, static_cast<std::uint32_t>(request.headers.size()));
  for (const http::Header& h : request.headers) {
    put_string(out, h.name);
    put_string(out, h.value);
  }
  put_string(out, request.body);
}

bool decode_request(std::string_view bytes, http::Request& request) {
  unsigned char version = 0, keep_alive = 0;
  std::uint32_t count = 0;
  if (!take_string(bytes, request.method) || !take_string(bytes, request.target) ||
      !take_string(bytes, request.path) || !take_string(bytes, request.query) ||
      !take_byte(bytes, version) || !take_byte(bytes, keep_alive) || !take_u32(bytes, count)) {
    return false;
  }
  // Each header takes at least 8 bytes: a count beyond that is corrupt, not a reason to allocate.
  if (count > bytes.size() / 8) return false;
  request.version_minor = version;
  request.keep_alive = keep_alive != 0;
  request.headers.resize(count);
  for (http::Header& h : request.headers) {
    if (!take_string(bytes, h.name) || !take_string(bytes, h.value)) return false;
  }
  if (!take_string(bytes, request.body)) return false;
  return bytes.empty();
}

}  // namespace archbench::reactor
