#include "servers/process/descriptor_passing.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

namespace archbench::process {
namespace {

// Control-message space for exactly one descriptor, aligned the way CMSG_* expect.
union DescriptorControl {
  char bytes[CMSG_SPACE(sizeof(int))];
  cmsghdr align;
};

}  // namespace

bool send_descriptor(int channel, int fd, char tag) {
  iovec data{&tag, 1};
  DescriptorControl control{};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control.bytes;
  message.msg_controllen = sizeof(control.bytes);
  cmsghdr* header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(header), &fd, sizeof(int));
  for (;;) {
    ssize_t n = ::sendmsg(channel, &message, MSG_NOSIGNAL);
    if (n == 1) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

ReceivedDescriptor receive_descriptor(int channel) {
  ReceivedDescriptor result;
  char tag = 0;
  iovec data{&tag, 1};
  DescriptorControl control{};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control.bytes;
  message.msg_controllen = sizeof(control.bytes);
  ssize_t n = ::recvmsg(channel, &message, MSG_CMSG_CLOEXEC);
  if (n < 0) {
    result.kind = ReceivedDescriptor::Kind::kError;
    result.error = errno;
    return result;
  }
  if (n == 0) {
    result.kind = ReceivedDescriptor::Kind::kClosed;
    return result;
  }
  result.tag = tag;
  for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
       header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS &&
        header->cmsg_len == CMSG_LEN(sizeof(int))) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(header), sizeof(int));
      result.fd.reset(fd);
    }
  }
  if (result.fd.valid()) {
    result.kind = ReceivedDescriptor::Kind::kDescriptor;
  } else if ((message.msg_flags & MSG_CTRUNC) != 0) {
    // The kernel had a descriptor for us but could not install it: past RLIMIT_NOFILE (or the
    // system's file table is full). It sets MSG_CTRUNC, delivers the data byte, drops the file.
    result.kind = ReceivedDescriptor::Kind::kOutOfDescriptors;
    result.error = EMFILE;
  } else {
    result.kind = ReceivedDescriptor::Kind::kNoDescriptor;
  }
  return result;
}

}  // namespace archbench::process
