#include "protocols/http/date_cache.h"

#include <cstdio>
#include <ctime>

namespace archbench::http {

std::string format_imf_fixdate(std::chrono::system_clock::time_point wall) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(
      std::chrono::floor<std::chrono::seconds>(wall));
  std::tm utc{};
  gmtime_r(&seconds, &utc);  // thread-safe, unlike gmtime
  // Day and month names are fixed English (RFC 9110), never the locale's: no strftime %a/%b.
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buffer[40];
  int n = std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                        kDays[utc.tm_wday], utc.tm_mday, kMonths[utc.tm_mon],
                        utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
  return std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
}

std::string_view DateCache::get(std::chrono::system_clock::time_point wall) {
  // Floor to whole seconds (also correct for times before 1970).
  std::int64_t second =
      std::chrono::floor<std::chrono::seconds>(wall.time_since_epoch()).count();
  if (second != second_) {
    text_ = format_imf_fixdate(wall);
    second_ = second;
    ++format_count_;
  }
  return text_;
}

}  // namespace archbench::http
