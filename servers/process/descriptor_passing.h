// Handing an open descriptor to another process over a Unix-domain socket (SCM_RIGHTS).
//
// This is Stevens' write_fd/read_fd (UNP ch. 15.7), the mechanism behind "the parent accepts,
// a preforked child serves": the kernel installs a duplicate of the sender's descriptor in the
// receiver, pointing at the same open socket. The sender then closes its copy; the connection
// lives on in the receiver.
//
// A descriptor cannot travel alone on a stream socket: it rides along with at least one byte of
// ordinary data. Each call therefore sends exactly one byte (a tag the caller picks) with the
// descriptor, and each receive reads exactly one byte, so messages never merge.
//
// Thread-safety: each function does one sendmsg/recvmsg on the given channel; callers must not
// interleave two senders or two receivers on one channel.
#pragma once

#include <string>

#include "servers/core/unique_fd.h"

namespace archbench::process {

// Sends `fd` with the byte `tag`. Blocks while the channel is full. Returns false with errno set
// on failure (EPIPE/ECONNRESET: the receiver is gone).
bool send_descriptor(int channel, int fd, char tag = 'F');

struct ReceivedDescriptor {
  enum class Kind {
    kDescriptor,    // fd is valid, tag is the byte sent with it
    kClosed,        // the sender closed its end (EOF)
    kNoDescriptor,  // a byte arrived without a descriptor (a peer bug)
    // A descriptor was sent but this process had no room for it (EMFILE, or ENFILE: the kernel
    // does not say which; error is EMFILE). The kernel closed the in-flight copy, so when the
    // sender has closed its own, the connection is gone: its client sees it closed.
    kOutOfDescriptors,
    kError,         // recvmsg failed; error holds errno (EINTR included: the caller decides)
  };
  Kind kind = Kind::kError;
  UniqueFd fd;
  char tag = 0;
  int error = 0;
};

// Receives one byte and the descriptor sent with it (close-on-exec in this process). Blocks until
// something arrives; callers that must also watch the stop pipe poll() first.
ReceivedDescriptor receive_descriptor(int channel);

}  // namespace archbench::process
