#include "servers/reactor/control_channel.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

namespace archbench::reactor {
namespace {

constexpr std::size_t kMaxFds = 64;

union FdControl {
  char bytes[CMSG_SPACE(sizeof(int) * kMaxFds)];
  cmsghdr align;
};

}  // namespace

bool send_announcement(int channel, const WorkerAnnouncement& announcement,
                       const std::vector<int>& fds) {
  if (fds.size() > kMaxFds) {
    errno = EINVAL;
    return false;
  }
  WorkerAnnouncement copy = announcement;
  iovec data{&copy, sizeof(copy)};
  FdControl control{};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  if (!fds.empty()) {
    message.msg_control = control.bytes;
    message.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(header), fds.data(), sizeof(int) * fds.size());
  }
  for (;;) {
    ssize_t n = ::sendmsg(channel, &message, MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(sizeof(copy))) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

ReceivedAnnouncement receive_announcement(int channel) {
  ReceivedAnnouncement result;
  iovec data{&result.announcement, sizeof(result.announcement)};
  FdControl control{};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control.bytes;
  message.msg_controllen = sizeof(control.bytes);
  ssize_t n;
  do {
    n = ::recvmsg(channel, &message, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    result.kind = (errno == EAGAIN || errno == EWOULDBLOCK) ? ReceivedAnnouncement::Kind::kNothing
                                                            : ReceivedAnnouncement::Kind::kError;
    result.error = errno;
    return result;
  }
  if (n == 0) {
    result.kind = ReceivedAnnouncement::Kind::kClosed;
    return result;
  }
  for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
       header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(header) + i * sizeof(int), sizeof(int));
      result.fds.emplace_back(fd);
    }
  }
  if (n != static_cast<ssize_t>(sizeof(result.announcement)) ||
      (message.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
    result.kind = ReceivedAnnouncement::Kind::kError;
    result.error = EPROTO;
    return result;
  }
  result.kind = ReceivedAnnouncement::Kind::kAnnouncement;
  return result;
}

}  // namespace archbench::reactor
