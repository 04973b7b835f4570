#include "fuzz/check.h"

#include <cstdio>
#include <cstdlib>

#include "protocols/framing/printable_bytes.h"

namespace archbench::fuzz {

void check_failed(const char* file, int line, const char* condition, const std::string& detail) {
  std::fprintf(stderr, "\nFUZZ_CHECK failed at %s:%d\n  condition: %s\n  detail: %s\n", file,
               line, condition, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

std::string shown(std::string_view bytes, std::size_t max_bytes) {
  return "\"" + framing::printable_bytes(bytes, max_bytes) + "\" (" +
         std::to_string(bytes.size()) + " bytes)";
}

}  // namespace archbench::fuzz
