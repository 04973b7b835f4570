#include "servers/core/server_log.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace archbench {
namespace {

std::atomic<bool> g_trace{false};

}  // namespace

void log_line(std::string_view line) {
  std::string buffer;
  buffer.reserve(line.size() + 1);
  buffer.append(line);
  buffer.push_back('\n');
  const char* p = buffer.data();
  std::size_t left = buffer.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // Nowhere left to complain to.
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void set_trace_enabled(bool enabled) { g_trace.store(enabled, std::memory_order_relaxed); }

bool trace_enabled() { return g_trace.load(std::memory_order_relaxed); }

void trace_connection(std::string_view event, std::string_view peer) {
  if (!trace_enabled()) return;
  std::string line = "trace: ";
  line.append(event);
  line.push_back(' ');
  line.append(peer);
  line += " pid=" + std::to_string(::getpid());
  line += " tid=" + std::to_string(static_cast<long>(::syscall(SYS_gettid)));
  log_line(line);
}

}  // namespace archbench
