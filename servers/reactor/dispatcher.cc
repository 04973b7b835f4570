#include "servers/reactor/dispatcher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <limits>

namespace archbench::reactor {

std::uint32_t client_address_key(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    return ntohl(v4.sin_addr.s_addr);
  }
  if (address.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    std::uint32_t words[4];
    std::memcpy(words, &v6.sin6_addr, sizeof(words));
    if (IN6_IS_ADDR_V4MAPPED(&v6.sin6_addr)) return ntohl(words[3]);
    return ntohl(words[0] ^ words[1] ^ words[2] ^ words[3]);
  }
  return 0;
}

std::uint32_t client_address_key(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  return client_address_key(address);
}

int Dispatcher::fixed_slot(std::uint64_t session, std::uint32_t address_key) const {
  if (mode_ == DispatchMode::kByIp) return static_cast<int>(address_key % workers_);
  return static_cast<int>(session % static_cast<std::uint64_t>(workers_));
}

int Dispatcher::choose(std::uint64_t session, std::uint32_t address_key,
                       const std::vector<bool>& available, const std::function<int(int)>& load) {
  const int n = static_cast<int>(available.size());
  if (n == 0) return -1;
  switch (mode_) {
    case DispatchMode::kFixed:
    case DispatchMode::kByIp: {
      const int slot = fixed_slot(session, address_key) % n;
      return available[slot] ? slot : -1;
    }
    case DispatchMode::kRoundRobin:
      for (int i = 0; i < n; ++i) {
        const int slot = static_cast<int>(cursor_++ % n);
        if (available[slot]) return slot;
      }
      return -1;
    case DispatchMode::kIdle: {
      // Start the scan at a rotating slot so that ties (all idle, the common case under light
      // load) are broken round-robin instead of always favouring slot 0.
      const int start = static_cast<int>(cursor_++ % n);
      int best = -1;
      int best_load = std::numeric_limits<int>::max();
      for (int i = 0; i < n; ++i) {
        const int slot = (start + i) % n;
        if (!available[slot]) continue;
        const int l = load(slot);
        if (l < best_load) {
          best = slot;
          best_load = l;
        }
      }
      return best;
    }
  }
  return -1;
}

}  // namespace archbench::reactor
