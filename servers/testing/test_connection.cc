#include "servers/testing/test_connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace archbench::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

int millis_left(SteadyClock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

TestConnection TestConnection::connect(std::uint16_t port, const std::string& host,
                                       std::chrono::milliseconds timeout) {
  TestConnection c;
  sockaddr_storage address{};
  socklen_t length = 0;
  auto* in4 = reinterpret_cast<sockaddr_in*>(&address);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&address);
  if (::inet_pton(AF_INET, host.c_str(), &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons(port);
    length = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    length = sizeof(sockaddr_in6);
  } else {
    c.error_ = "not a numeric address: " + host;
    return c;
  }
  int fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    c.error_ = std::string("socket: ") + std::strerror(errno);
    return c;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), length) != 0) {
    if (errno != EINPROGRESS) {
      c.error_ = std::string("connect: ") + std::strerror(errno);
      ::close(fd);
      return c;
    }
    pollfd p{fd, POLLOUT, 0};
    int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    int error = 0;
    socklen_t error_length = sizeof(error);
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &error_length);
    if (ready <= 0 || error != 0) {
      c.error_ = ready <= 0 ? "connect: timed out" : std::string("connect: ") + std::strerror(error);
      ::close(fd);
      return c;
    }
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  c.fd_ = fd;
  return c;
}

TestConnection::TestConnection(TestConnection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      pending_(std::move(other.pending_)),
      error_(std::move(other.error_)),
      saw_eof_(other.saw_eof_),
      saw_reset_(other.saw_reset_) {}

TestConnection& TestConnection::operator=(TestConnection&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    pending_ = std::move(other.pending_);
    error_ = std::move(other.error_);
    saw_eof_ = other.saw_eof_;
    saw_reset_ = other.saw_reset_;
  }
  return *this;
}

TestConnection::~TestConnection() { close(); }

bool TestConnection::send_all(std::string_view data, std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  while (!data.empty()) {
    if (fd_ < 0) return false;
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd_, POLLOUT, 0};
      int left = millis_left(deadline);
      if (left == 0 || ::poll(&p, 1, left) <= 0) {
        error_ = "send: timed out";
        return false;
      }
      continue;
    }
    error_ = std::string("send: ") + std::strerror(errno);
    return false;
  }
  return true;
}

bool TestConnection::fill(SteadyClock::time_point deadline) {
  if (fd_ < 0 || saw_eof_ || saw_reset_) return false;
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, millis_left(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char buffer[64 * 1024];
    ssize_t n = ::recv(fd_, buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n > 0) {
      pending_.append(buffer, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) {
      saw_eof_ = true;
      return false;
    }
    if (errno == EINTR || errno == EAGAIN) continue;
    if (errno == ECONNRESET) saw_reset_ = true;
    error_ = std::string("recv: ") + std::strerror(errno);
    return false;
  }
}

std::string TestConnection::send_and_receive(std::string_view data, std::size_t expect,
                                             std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  while (fd_ >= 0 && (!data.empty() || pending_.size() < expect)) {
    pollfd p{fd_, static_cast<short>(POLLIN | (data.empty() ? 0 : POLLOUT)), 0};
    int ready = ::poll(&p, 1, millis_left(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      error_ = "send_and_receive: timed out";
      break;
    }
    if (p.revents & POLLIN) {
      if (!fill(deadline)) break;
    } else if (p.revents & POLLOUT) {
      ssize_t n = ::send(fd_, data.data(), std::min<std::size_t>(data.size(), 64 * 1024),
                         MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        data.remove_prefix(static_cast<std::size_t>(n));
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        error_ = std::string("send: ") + std::strerror(errno);
        break;
      }
    } else {
      if (!fill(deadline)) break;  // POLLHUP / POLLERR: let recv say what happened.
    }
  }
  std::size_t take = std::min(expect, pending_.size());
  std::string result = pending_.substr(0, take);
  pending_.erase(0, take);
  return result;
}

std::string TestConnection::read_exactly(std::size_t n, std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  while (pending_.size() < n && fill(deadline)) {
  }
  std::size_t take = std::min(n, pending_.size());
  std::string result = pending_.substr(0, take);
  pending_.erase(0, take);
  return result;
}

std::string TestConnection::read_until(std::string_view delimiter,
                                       std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  std::size_t searched = 0;
  for (;;) {
    std::size_t found = pending_.find(delimiter, searched);
    if (found != std::string::npos) {
      std::size_t take = found + delimiter.size();
      std::string result = pending_.substr(0, take);
      pending_.erase(0, take);
      return result;
    }
    if (pending_.size() >= delimiter.size()) searched = pending_.size() - delimiter.size() + 1;
    if (!fill(deadline)) break;
  }
  return std::exchange(pending_, {});
}

std::string TestConnection::read_until_eof(std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  while (fill(deadline)) {
  }
  return std::exchange(pending_, {});
}

std::string TestConnection::read_available(std::chrono::milliseconds wait) {
  const auto deadline = SteadyClock::now() + wait;
  while (fill(deadline)) {
  }
  return std::exchange(pending_, {});
}

void TestConnection::shutdown_write() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

void TestConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace archbench::testing
