// The blocking driver, plus broadcast between threads.
//
// servers/core/blocking_driver.h serves one Session over one blocking socket in the calling
// thread and drops broadcasts: in the process-per-connection designs there is nobody to hand
// them to. Threads share memory, so here a connection can reach the others:
//
//   loop:
//     poll(stop pipe, mailbox doorbell, socket; timeout = session.next_deadline())  <- blocks here
//     doorbell        -> session.on_broadcast for each message another thread published
//     deadline due    -> session.on_deadline
//     bytes arrived   -> session.on_bytes             read() == 0 -> session.on_peer_closed
//     after each session call:
//       hub membership := session.broadcast_group()   (before writing: a client that has seen
//                                                      its handshake reply is already a member)
//       write every byte (blocking until the peer takes them, or a stop)
//       publish out.broadcasts to every member of the group (this connection included: its own
//       copy arrives through its own mailbox, like everyone else's)
//       out.close -> shutdown(SHUT_WR), linger briefly, close
//
// Only the owner thread touches its Session and writes its socket: other threads only drop
// messages into its Mailbox. So writes to one connection never interleave and the Session needs
// no lock. The same "post to the owner" shape as asio's cross-io_context broadcast.
//
// What a blocking design cannot avoid: a member whose client does not read is stuck writing, so
// it takes no mail meanwhile. Its mailbox is bounded (Mailbox); past the bound the connection is
// closed with a log line once its thread gets back to the loop.
//
// Thread-safety: one call serves one connection in the calling thread; many threads may each
// run their own call on the same hub concurrently.
#pragma once

#include <string>

#include "protocols/session.h"
#include "servers/core/blocking_driver.h"
#include "servers/core/unique_fd.h"
#include "servers/threads/broadcast_hub.h"

namespace archbench::threads {

// Serves `session` on the blocking `socket` until the connection ends, then closes the socket.
// `peer` names the client in log lines. Returns how it ended (servers/core/blocking_driver.h).
DriveEnd serve_blocking_with_broadcast(UniqueFd socket, Session& session, const std::string& peer,
                                       BroadcastHub& hub);

}  // namespace archbench::threads
