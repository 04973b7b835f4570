// The HTTP Date header value (IMF-fixdate, RFC 9110 5.6.7), formatted at most once a second.
//
// Every response carries a Date; formatting one with gmtime_r + strftime costs far more than
// the rest of a small response, so the text is kept and rebuilt only when the second changes.
// The wall time comes from the driver (Now::wall): the cache reads no clock itself.
//
// Thread-safety: not thread-safe; one per session or per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace archbench::http {

class DateCache {
 public:
  // "Sun, 06 Nov 1994 08:49:37 GMT" for the second that contains `wall`. The view stays valid
  // until the next call with a different second.
  std::string_view get(std::chrono::system_clock::time_point wall);

  // How many times the text was formatted (for tests: at most once per second).
  std::uint64_t format_count() const { return format_count_; }

 private:
  std::int64_t second_ = INT64_MIN;
  std::string text_;
  std::uint64_t format_count_ = 0;
};

// Formats one IMF-fixdate (no caching).
std::string format_imf_fixdate(std::chrono::system_clock::time_point wall);

}  // namespace archbench::http
