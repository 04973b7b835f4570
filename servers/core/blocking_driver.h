// The blocking driver: serves one Session over one connected socket, in the calling thread, until
// the connection ends. This is the whole I/O layer of the blocking architectures (iterative,
// prefork, fork-per-connection, thread-per-connection): "read, handle, write, repeat".
//
//   loop:
//     poll(socket, stop pipe; timeout = session.next_deadline())   <- the thread blocks here
//     deadline due   -> session.on_deadline
//     bytes arrived  -> session.on_bytes            read() == 0 -> session.on_peer_closed
//     write every byte the session produced (blocking until the peer takes them)
//     session asked to close -> shutdown(SHUT_WR), linger briefly, close
//
// Why poll() before read() instead of a bare blocking read(): the timer protocol and HTTP /sleep
// need to wake up with no input, and a SIGTERM must end the connection even while the client is
// silent. The socket itself stays blocking; writes that would block wait in poll() next to the
// stop pipe for the same reason.
//
// Broadcast is not available here (blocking models set can_broadcast = false): any
// SessionOutput::broadcasts are dropped with a log line.
//
// Thread-safety: one call serves one connection in the calling thread; many threads may each run
// their own call concurrently (nothing is shared but stderr and the stop pipe).
#pragma once

#include <string>

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

// Serves `session` on `socket` until the connection ends, then closes the socket. `peer` names
// the client in log lines ("127.0.0.1:51234"). Session log lines (SessionOutput::log) go to
// stderr prefixed with the peer.
DriveEnd serve_blocking(UniqueFd socket, Session& session, const std::string& peer);

}  // namespace archbench
