#include "servers/core/accept.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "servers/core/stop_signal.h"

namespace archbench {
namespace {

std::string format_address(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (address.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
    return std::string(text) + ":" + std::to_string(ntohs(in->sin_port));
  }
  if (address.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(in6->sin6_port));
  }
  if (address.ss_family == AF_UNIX) return "unix";
  return "?";
}

}  // namespace

AcceptResult accept_connection(int listen_fd, SocketMode mode) {
  AcceptResult result;
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  int flags = SOCK_CLOEXEC | (mode == SocketMode::kNonBlocking ? SOCK_NONBLOCK : 0);
  for (;;) {
    int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&address), &length, flags);
    if (fd >= 0) {
      result.kind = AcceptResult::Kind::kAccepted;
      result.fd.reset(fd);
      result.peer = format_address(address);
      set_no_delay(fd);
      return result;
    }
    result.error = errno;
    switch (errno) {
      case EINTR:
        if (!stop_requested()) continue;
        result.kind = AcceptResult::Kind::kTransient;
        return result;
      case EAGAIN:
        result.kind = AcceptResult::Kind::kNothingPending;
        return result;
      // Linux passes already-pending network errors of the new socket to accept (see accept(2)),
      // and the peer may have reset the connection while it waited in the queue.
      case ECONNABORTED:
      case EPROTO:
      case ENETDOWN:
      case ENOPROTOOPT:
      case EHOSTDOWN:
      case ENONET:
      case EHOSTUNREACH:
      case EOPNOTSUPP:
      case ENETUNREACH:
      case EPERM:
        result.kind = AcceptResult::Kind::kTransient;
        return result;
      case EMFILE:
      case ENFILE:
      case ENOBUFS:
      case ENOMEM:
        result.kind = AcceptResult::Kind::kOutOfDescriptors;
        return result;
      default:
        result.kind = AcceptResult::Kind::kFatal;
        return result;
    }
  }
}

bool is_out_of_descriptors(int error) {
  return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM;
}

bool wait_for_connection_or_stop(int listen_fd) {
  for (;;) {
    if (stop_requested()) return false;
    pollfd fds[2] = {{listen_fd, POLLIN, 0}, {stop_fd(), POLLIN, 0}};
    int n = ::poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (fds[1].revents != 0 || stop_requested()) return false;
    if (fds[0].revents != 0) return true;
  }
}

bool set_nonblocking(int fd, bool nonblocking) {
  int flags = ::fcntl(fd, F_GETFL, 0);
  if (flags < 0) return false;
  flags = nonblocking ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  return ::fcntl(fd, F_SETFL, flags) == 0;
}

std::string peer_name(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "?";
  return format_address(address);
}

void set_no_delay(int fd) {
  int one = 1;
  // Fails harmlessly on non-TCP sockets (socketpairs in tests).
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

}  // namespace archbench
