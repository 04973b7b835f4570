// Accepting connections: the one call every architecture makes, with its failure modes named.
//
// accept(2) fails in ways that mean very different things to a server loop:
//   - nothing pending (EAGAIN on a non-blocking socket): go back to waiting;
//   - the connection died before we took it (ECONNABORTED, EPROTO, ...): just try again;
//   - out of descriptors (EMFILE/ENFILE) or memory: the pending connection stays queued and the
//     listen socket stays readable, so a loop that retries at once spins at 100% CPU. The loop
//     must back off and say so once per episode: accept_backoff.h for blocking accepters (a
//     bounded sleep; the client waits in the backlog), reserve_descriptor.h for readiness loops
//     (accept into a reserve descriptor's slot and close, so the client sees a close, not a hang);
//   - anything else: a bug or a closed listen socket.
//
// Thread-safety: accept_connection may be called by many threads/processes on the same listen
// socket at once (that is the "thundering herd" that prefork studies); each call returns its own
// descriptor.
#pragma once

#include <string>

#include "servers/core/unique_fd.h"

namespace archbench {

struct AcceptResult {
  enum class Kind { kAccepted, kNothingPending, kTransient, kOutOfDescriptors, kFatal };
  Kind kind = Kind::kFatal;
  UniqueFd fd;       // kAccepted only
  std::string peer;  // "127.0.0.1:51234" or "[::1]:51234" (kAccepted only)
  int error = 0;     // errno for the other kinds
};

enum class SocketMode { kBlocking, kNonBlocking };

// EMFILE, ENFILE, ENOBUFS, ENOMEM: the errors accept_connection reports as kOutOfDescriptors,
// for other calls a new connection needs (socketpair, eventfd) to be judged the same way.
bool is_out_of_descriptors(int error);

// One accept4() (close-on-exec; non-blocking when asked, for event loops). Retries EINTR only
// when no stop was requested, so a blocking accept interrupted by SIGTERM returns kTransient.
AcceptResult accept_connection(int listen_fd, SocketMode mode);

// For blocking models: waits until the listen socket has a connection or a stop is requested
// (poll on both, so SIGTERM wakes it). Returns false when stopping.
bool wait_for_connection_or_stop(int listen_fd);

// O_NONBLOCK on/off. Returns false (errno set) on failure.
bool set_nonblocking(int fd, bool nonblocking = true);

// "host:port" of the peer / of a sockaddr; "?" when unknown.
std::string peer_name(int fd);

// TCP_NODELAY: the drivers write whole replies, so Nagle's delay only adds latency.
void set_no_delay(int fd);

}  // namespace archbench
