// The blocking driver: serves one Session over one connected socket, in the calling thread, until
// the connection ends. This is the whole I/O layer of the blocking architectures (iterative,
// prefork, fork-per-connection, thread-per-connection): "read, handle, write, repeat".
//
//   loop:
//     poll(stop pipe, socket, [doorbell]; timeout = session.next_deadline())  <- blocks here
//     doorbell rang  -> session.on_broadcast for each waiting message   (only with a port)
//     deadline due   -> session.on_deadline
//     bytes arrived  -> session.on_bytes            read() == 0 -> session.on_peer_closed
//     after each session call:
//       [group membership := session.broadcast_group()]   (only with a port; before writing, so
//                                                          a client that has seen its handshake
//                                                          reply is already a member)
//       write every byte the session produced (blocking until the peer takes them)
//       [publish out.broadcasts to the group]             (only with a port; after the write)
//       session asked to close -> shutdown(SHUT_WR), linger briefly, close
//
// Why poll() before read() instead of a bare blocking read(): the timer protocol and HTTP /sleep
// need to wake up with no input, and a SIGTERM must end the connection even while the client is
// silent. The socket itself stays blocking; writes that would block wait in poll() next to the
// stop pipe for the same reason. The doorbell is not watched during such a write: mail waits
// until the peer has taken the bytes, which is why a BroadcastPort's mailbox must be bounded.
//
// Broadcast needs a BroadcastPort. Process models (iterative, prefork, fork-per-connection) pass
// none, since there is nobody to hand a message to (they set can_broadcast = false): any
// SessionOutput::broadcasts are dropped with a log line. Thread-per-connection servers share
// memory and pass one (servers/threads/broadcasting_driver.h).
//
// Thread-safety: one call serves one connection in the calling thread; many threads may each run
// their own call concurrently (nothing is shared but stderr, the stop pipe, and whatever the
// ports share among themselves, which they lock).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/session.h"
#include "servers/core/unique_fd.h"

namespace archbench {

enum class DriveEnd {
  kSessionClosed,  // the session asked to close (out.close), after its bytes were written
  kPeerClosed,     // the peer closed its side and the session had nothing left to do
  kPeerGone,       // reset / EPIPE / read error: the peer vanished mid-conversation
  kStopped,        // a stop (SIGTERM/SIGINT) was requested
};

const char* drive_end_name(DriveEnd end);

// What a blocking driver needs to take part in broadcast: a way to other connections that share
// memory with this one. The driver only ever calls the port of its own connection; the port
// owns the cross-thread part (a mailbox other threads drop messages into, a shared hub).
// Thread-safety: every method is called only from the connection's own (serving) thread.
class BroadcastPort {
 public:
  virtual ~BroadcastPort() = default;

  // Readable (POLLIN) while messages wait for this connection.
  virtual int doorbell_fd() const = 0;
  // Moves the waiting messages (oldest first) into `messages` and silences the doorbell.
  // Returns false when messages were lost because the mailbox overflowed: the driver then logs
  // and closes the connection (kPeerGone) without delivering any of them.
  virtual bool take(std::vector<std::shared_ptr<const std::string>>& messages) = 0;
  // The mailbox bound in bytes, named in the overflow log line.
  virtual std::size_t mailbox_limit() const = 0;
  // This connection's group from now on; "" leaves any group.
  virtual void set_group(std::string_view group) = 0;
  // Hands each message to every member of `group` (this connection included: its own copy comes
  // back through its own doorbell, like everyone else's).
  virtual void publish(std::string_view group, std::vector<std::string>&& messages) = 0;
};

// Serves `session` on `socket` until the connection ends, then closes the socket. `peer` names
// the client in log lines ("127.0.0.1:51234"). Session log lines (SessionOutput::log) go to
// stderr prefixed with the peer. `broadcast` (may be null: broadcasts are then dropped with a
// log line) must outlive the call.
DriveEnd serve_blocking(UniqueFd socket, Session& session, const std::string& peer,
                        BroadcastPort* broadcast = nullptr);

}  // namespace archbench
