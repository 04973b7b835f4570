#include "clients/conformance/blocking_socket.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

namespace archbench::conformance {
namespace {

using SteadyClock = std::chrono::steady_clock;

// The inbox never grows past this: a server that floods us is a failure, not an OOM.
constexpr std::size_t kMaxInbox = std::size_t{256} << 20;
constexpr std::size_t kReadChunk = 64 * 1024;

int millis_until(SteadyClock::time_point deadline) {
  auto left = std::chrono::duration_cast<Millis>(deadline - SteadyClock::now()).count();
  if (left <= 0) return 0;
  return left > 1'000'000 ? 1'000'000 : static_cast<int>(left);
}

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

std::string printable(std::string_view bytes, std::size_t max_chars) {
  std::string out;
  for (unsigned char c : bytes) {
    if (out.size() >= max_chars) {
      out += "...(" + std::to_string(bytes.size()) + " bytes)";
      return out;
    }
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

BlockingSocket BlockingSocket::connect(const std::string& host, std::uint16_t port,
                                       Millis timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    throw SocketError(SocketError::Kind::kOther,
                      "cannot resolve " + host + ": " + gai_strerror(rc));
  }
  std::string last_error = "no address for " + host;
  const auto deadline = SteadyClock::now() + timeout;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_error = errno_text("socket");
      continue;
    }
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = ::poll(&p, 1, millis_until(deadline));
      if (rc == 0) {
        ::close(fd);
        freeaddrinfo(found);
        throw SocketError(SocketError::Kind::kTimeout, "connect to " + host + ":" + service +
                                                           " timed out after " +
                                                           std::to_string(timeout.count()) + " ms");
      }
      int error = 0;
      socklen_t len = sizeof error;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
      errno = error;
      rc = error == 0 ? 0 : -1;
    }
    if (rc != 0) {
      last_error = errno_text(("connect to " + host + ":" + service).c_str());
      ::close(fd);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    freeaddrinfo(found);
    return BlockingSocket(fd, timeout);
  }
  freeaddrinfo(found);
  throw SocketError(SocketError::Kind::kOther, last_error);
}

BlockingSocket::BlockingSocket(BlockingSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      timeout_(other.timeout_),
      inbox_(std::move(other.inbox_)),
      inbox_pos_(other.inbox_pos_),
      eof_(other.eof_),
      reset_(other.reset_) {}

BlockingSocket& BlockingSocket::operator=(BlockingSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    timeout_ = other.timeout_;
    inbox_ = std::move(other.inbox_);
    inbox_pos_ = other.inbox_pos_;
    eof_ = other.eof_;
    reset_ = other.reset_;
  }
  return *this;
}

BlockingSocket::~BlockingSocket() {
  if (fd_ >= 0) ::close(fd_);
}

bool BlockingSocket::fill(Deadline deadline) {
  if (eof_) return false;
  if (reset_) throw SocketError(SocketError::Kind::kReset, "connection reset by peer");
  pollfd p{fd_, POLLIN, 0};
  int rc = ::poll(&p, 1, millis_until(deadline));
  if (rc < 0) throw SocketError(SocketError::Kind::kOther, errno_text("poll"));
  if (rc == 0) return false;
  if (inbox_pos_ > 0 && inbox_pos_ == inbox_.size()) {
    inbox_.clear();
    inbox_pos_ = 0;
  }
  if (inbox_.size() - inbox_pos_ > kMaxInbox) {
    throw SocketError(SocketError::Kind::kOther, "peer sent more than 256 MiB unread");
  }
  const std::size_t old = inbox_.size();
  inbox_.resize(old + kReadChunk);
  ssize_t n = ::recv(fd_, inbox_.data() + old, kReadChunk, 0);
  inbox_.resize(old + (n > 0 ? static_cast<std::size_t>(n) : 0));
  if (n == 0) {
    eof_ = true;
  } else if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return true;
    if (errno == ECONNRESET) {
      reset_ = true;
      throw SocketError(SocketError::Kind::kReset,
                        "connection reset by peer; had received " + describe_inbox());
    }
    throw SocketError(SocketError::Kind::kOther, errno_text("recv"));
  }
  return true;
}

std::string BlockingSocket::take(std::size_t n) {
  std::string out = inbox_.substr(inbox_pos_, n);
  inbox_pos_ += out.size();
  return out;
}

std::string BlockingSocket::describe_inbox() const {
  std::string_view pending(inbox_.data() + inbox_pos_, inbox_.size() - inbox_pos_);
  if (pending.empty()) return "nothing pending";
  return std::to_string(pending.size()) + " pending bytes \"" + printable(pending) + "\"";
}

void BlockingSocket::write_all(std::string_view data) {
  const auto deadline = SteadyClock::now() + timeout_;
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      const bool reset = errno == ECONNRESET;
      throw SocketError(reset ? SocketError::Kind::kReset : SocketError::Kind::kClosed,
                        errno_text("send") + " after " + std::to_string(sent) + " of " +
                            std::to_string(data.size()) + " bytes");
    }
    // Wait for room, and read meanwhile so an echoing peer never blocks on us.
    pollfd p{fd_, static_cast<short>(POLLOUT | (eof_ ? 0 : POLLIN)), 0};
    int rc = ::poll(&p, 1, millis_until(deadline));
    if (rc < 0 && errno != EINTR) throw SocketError(SocketError::Kind::kOther, errno_text("poll"));
    if (rc == 0) {
      throw SocketError(SocketError::Kind::kTimeout,
                        "write timed out after " + std::to_string(sent) + " of " +
                            std::to_string(data.size()) + " bytes (peer not reading)");
    }
    if ((p.revents & POLLIN) != 0) fill(deadline);
  }
}

bool BlockingSocket::write_all_or_closed(std::string_view data) {
  try {
    write_all(data);
    return true;
  } catch (const SocketError& error) {
    if (error.kind() == SocketError::Kind::kClosed || error.kind() == SocketError::Kind::kReset) {
      return false;
    }
    throw;
  }
}

void BlockingSocket::write_in_pieces(std::string_view data, std::size_t piece, Millis pause) {
  if (piece == 0) piece = 1;
  for (std::size_t at = 0; at < data.size(); at += piece) {
    if (at > 0 && pause.count() > 0) std::this_thread::sleep_for(pause);
    write_all(data.substr(at, piece));
  }
}

void BlockingSocket::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

std::string BlockingSocket::read_exact(std::size_t n) {
  const auto deadline = SteadyClock::now() + timeout_;
  while (buffered() < n) {
    if (eof_) {
      throw SocketError(
          SocketError::Kind::kClosed,
          "peer closed while waiting for " + std::to_string(n) + " bytes; had " + describe_inbox());
    }
    if (!fill(deadline) && !eof_) {
      throw SocketError(SocketError::Kind::kTimeout,
                        "timed out after " + std::to_string(timeout_.count()) + " ms waiting for " +
                            std::to_string(n) + " bytes; had " + describe_inbox());
    }
  }
  return take(n);
}

std::string BlockingSocket::read_until(std::string_view delimiter, std::size_t max_bytes) {
  const auto deadline = SteadyClock::now() + timeout_;
  std::size_t searched = 0;
  while (true) {
    std::string_view pending(inbox_.data() + inbox_pos_, buffered());
    std::size_t from = searched >= delimiter.size() ? searched - delimiter.size() + 1 : 0;
    std::size_t at = pending.find(delimiter, from);
    if (at != std::string_view::npos) return take(at + delimiter.size());
    searched = pending.size();
    if (pending.size() > max_bytes) {
      throw SocketError(SocketError::Kind::kOther, "no \"" + printable(delimiter) + "\" within " +
                                                       std::to_string(max_bytes) + " bytes; had " +
                                                       describe_inbox());
    }
    if (eof_) {
      throw SocketError(SocketError::Kind::kClosed, "peer closed before \"" + printable(delimiter) +
                                                        "\"; had " + describe_inbox());
    }
    if (!fill(deadline) && !eof_) {
      throw SocketError(SocketError::Kind::kTimeout,
                        "timed out after " + std::to_string(timeout_.count()) +
                            " ms waiting for \"" + printable(delimiter) + "\"; had " +
                            describe_inbox());
    }
  }
}

std::string BlockingSocket::read_for(Millis wait) {
  const auto deadline = SteadyClock::now() + wait;
  try {
    while (!eof_ && SteadyClock::now() < deadline) fill(deadline);
  } catch (const SocketError& error) {
    if (error.kind() != SocketError::Kind::kReset) throw;
  }
  return take(buffered());
}

CloseWait BlockingSocket::wait_for_close(Millis timeout) {
  CloseWait result;
  const auto deadline = SteadyClock::now() + timeout;
  try {
    while (!eof_ && SteadyClock::now() < deadline) fill(deadline);
    result.closed = eof_;
  } catch (const SocketError& error) {
    if (error.kind() != SocketError::Kind::kReset) throw;
    result.closed = true;
    result.reset = true;
  }
  result.extra = take(buffered());
  return result;
}

}  // namespace archbench::conformance
