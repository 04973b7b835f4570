#include "servers/core/listen_socket.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "servers/core/server_log.h"

namespace archbench {
namespace {

std::uint16_t bound_port(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
  }
  return ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
}

}  // namespace

ListenSocket open_listen_socket(const std::string& host, int port, int backlog) {
  if (port < 0 || port > 65535) throw ListenError("port out of range: " + std::to_string(port));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) {
    throw ListenError("cannot resolve host '" + host + "': " + ::gai_strerror(rc));
  }
  std::string last_error = "no address for host '" + host + "'";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    UniqueFd fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
    if (!fd) {
      last_error = std::string("socket: ") + std::strerror(errno);
      continue;
    }
    int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd.get(), a->ai_addr, a->ai_addrlen) != 0) {
      last_error = "cannot bind " + host + ":" + service + ": " + std::strerror(errno);
      continue;
    }
    if (::listen(fd.get(), backlog) != 0) {
      last_error = "cannot listen on " + host + ":" + service + ": " + std::strerror(errno);
      continue;
    }
    ::freeaddrinfo(found);
    const std::uint16_t real_port = bound_port(fd.get());
    return ListenSocket{std::move(fd), host, real_port};
  }
  ::freeaddrinfo(found);
  throw ListenError(last_error);
}

ListenSocket listen_or_exit(const std::string& host, int port, int backlog) {
  try {
    return open_listen_socket(host, port, backlog);
  } catch (const ListenError& e) {
    log_line(e.what());
    std::exit(1);
  }
}

void announce_ready(const ListenSocket& socket) {
  std::printf("READY %s %u %ld\n", socket.host.c_str(), static_cast<unsigned>(socket.port),
              static_cast<long>(::getpid()));
  std::fflush(stdout);
}

}  // namespace archbench
