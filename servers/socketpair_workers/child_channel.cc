#include "servers/socketpair_workers/child_channel.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace archbench::socketpair_workers {

int make_channel(ChildChannel& channel) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return errno;
  channel.parent_end.reset(pair[0]);
  channel.child_end.reset(pair[1]);
  return 0;
}

std::optional<std::string> read_from_child(int parent_end) {
  char buffer[64];
  const ssize_t n = ::read(parent_end, buffer, sizeof(buffer));
  if (n > 0) return std::string(buffer, static_cast<std::size_t>(n));
  if (n < 0 && errno == EINTR) return std::string();
  return std::nullopt;
}

}  // namespace archbench::socketpair_workers
