// iterative: the blocking iterative server. One connection at a time.
//
//   listen socket --accept()--> serve that one client until it is done --> close --> accept() ...
//
// The original is the socket_accept loop of the PHP sockets tutorial: socket_accept blocks,
// socket_read/socket_write serve the client, socket_close, loop. While one client is served,
// every other client waits in the listen backlog (the kernel completes their handshakes, so
// their connect() succeeds, but nobody reads their bytes). See docs/iterative.md.
//
// Differences from its siblings: no concurrency at all. The listen socket is blocking and the
// only wait besides the client is "accept, or stop?"; SIGTERM ends even a connection in progress.
#include <cstdlib>

#include "protocols/session.h"
#include "servers/core/accept.h"
#include "servers/core/accept_backoff.h"
#include "servers/core/blocking_driver.h"
#include "servers/core/listen_socket.h"
#include "servers/core/server_flags.h"
#include "servers/core/server_log.h"
#include "servers/core/stop_signal.h"

using namespace archbench;

int main(int argc, char** argv) {
  ServerCommandLine command_line("iterative", "archbench iterative: one connection at a time");
  command_line.parse_or_exit(argc, argv);
  const CommonOptions& options = command_line.options();
  // One process, one connection: there is nobody to broadcast to.
  const ProtocolConfig config = command_line.protocol_config(
      false, "the iterative server serves one connection at a time");

  install_stop_handlers();
  ListenSocket listener = listen_or_exit(options.host, options.port, options.backlog);
  announce_ready(listener);

  // Out of descriptors: with one connection at a time this needs a tiny limit or descriptors held
  // by something else (ENFILE: the whole system is out). accept() would fail at once on every
  // try while the client stays queued, so the loop backs off: a bounded sleep, which costs
  // nothing here (there is no other connection to serve meanwhile), and the queued client is
  // served as soon as a descriptor frees up: the backlog is where this server's clients always
  // wait their turn.
  AcceptBackoff backoff("iterative", "clients wait in the backlog");
  while (wait_for_connection_or_stop(listener.fd.get())) {
    AcceptResult accepted = accept_connection(listener.fd.get(), SocketMode::kBlocking);
    if (accepted.kind == AcceptResult::Kind::kOutOfDescriptors) {
      if (!wait_unless_stopped(backoff.failed(accepted.error))) break;
      continue;
    }
    if (accepted.kind != AcceptResult::Kind::kAccepted) continue;
    backoff.accepted();

    trace_connection("serve", accepted.peer);
    std::unique_ptr<Session> session = make_session(options.protocol, config, Clock::now());
    DriveEnd end = serve_blocking(std::move(accepted.fd), *session, accepted.peer);
    trace_connection(drive_end_name(end), accepted.peer);
  }
  log_line("iterative: stopped");
  return EXIT_SUCCESS;
}
