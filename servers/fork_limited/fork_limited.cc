// fork_limited: fork one child per connection, at most --max-procs children at a time.
//
//   parent                                      child (one per connection)
//   ------                                      --------------------------
//   loop:                                       close the listening socket
//     poll(stop, listen; timeout 500 ms)  <-    serve the client until it is done
//       (at the limit: poll(stop) only, so      (blocking driver)
//        new clients wait in the backlog)       _exit
//     accept, fork a child for it, close our copy
//     waitpid(-1, WNOHANG) until none ended     <- "reaps each round"
//
// The original: limited_forking_echo_server.php (phpsphb/book-examples): stream_select() on the
// server socket with a short timeout, stream_socket_accept + pcntl_fork while
// count($children) < MAX_PROCS (2), then pcntl_waitpid(..., WNOHANG) for every child, each round.
// With --max-procs 0 there is no limit: the plain fork-per-client server (Stevens' ch. 30 row
// "concurrent server, one fork per client"). See docs/fork_limited.md.
//
// Differences from its siblings: the child is forked AFTER accept (one fork per connection, not
// a pool), and the parent learns that a child ended only by looking (WNOHANG each round); the
// 500 ms timeout is what bounds how late it notices. socketpair_workers --mode notify is this
// same loop with the timeout replaced by a message from each child.
#include <poll.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "protocols/session.h"
#include "servers/core/accept.h"
#include "servers/core/accept_backoff.h"
#include "servers/core/blocking_driver.h"
#include "servers/core/clock.h"
#include "servers/core/listen_socket.h"
#include "servers/core/reserve_descriptor.h"
#include "servers/core/server_flags.h"
#include "servers/core/server_log.h"
#include "servers/core/stop_signal.h"
#include "servers/process/child_processes.h"

using namespace archbench;
using namespace archbench::process;

// The original's select() timeout: how long a finished child may go unnoticed at the limit.
constexpr int kReapIntervalMs = 500;

int main(int argc, char** argv) {
  ServerCommandLine command_line("fork_limited",
                                 "archbench fork_limited: one forked child per connection, at most "
                                 "--max-procs at a time");
  int max_procs = 2;
  command_line.app()
      .add_option("--max-procs", max_procs,
                  "children alive at once; at the limit new clients wait in the backlog "
                  "(0: no limit, one fork per client)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  command_line.parse_or_exit(argc, argv);
  const CommonOptions& options = command_line.options();
  const ProtocolConfig config = command_line.protocol_config(
      false,
      "fork_limited serves each connection in its own process; no process can write to "
      "another's connections");

  install_stop_handlers();
  ListenSocket listener = listen_or_exit(options.host, options.port, options.backlog);
  // Only the parent accepts, right after poll() said "readable". Non-blocking, so a client that
  // gave up in between (the connection is gone from the queue) costs an EAGAIN, not a hang.
  set_nonblocking(listener.fd.get());
  announce_ready(listener);

  // Out of descriptors: the parent holds one descriptor per connection only between accept()
  // and fork(), so it runs out only when something else holds its descriptors or the system is
  // out (ENFILE). accept() then fails while the client stays queued and the listen socket stays
  // readable. The remedy that fits is the one this loop already applies at --max-procs: leave
  // the listen socket out of the poll set, so queued clients wait in the backlog (their usual
  // waiting room here), for a bounded, growing pause; the children serving their clients are
  // untouched. A reserve descriptor would buy nothing: the parent cannot serve anyone itself.
  // The same holds when accept() would succeed but the child could not start: a new child opens
  // its own stop pipe (two descriptors) before closing what it inherited, so the parent checks
  // for room for all three before it takes a client it could not hand on.
  constexpr int kDescriptorsPerNewClient = 3;  // the client + the child's stop pipe
  AcceptBackoff backoff("fork_limited", "clients wait in the backlog");
  AcceptPause accept_pause;

  ChildSet children;
  for (;;) {
    const bool below_limit =
        max_procs == 0 || children.size() < static_cast<std::size_t>(max_procs);
    const bool accepting = below_limit && !accept_pause.paused();
    // At the limit the listening socket is left out of the poll set: it would be readable at once
    // (clients are queued) and the loop would spin. Queued clients just wait in the backlog.
    pollfd fds[2] = {{stop_fd(), POLLIN, 0}, {listener.fd.get(), POLLIN, 0}};
    if (::poll(fds, accepting ? 2 : 1,
               timeout_ms_until(accept_pause.deadline(), Clock::now(), kReapIntervalMs)) < 0 &&
        errno != EINTR) {
      log_line(std::string("fork_limited: poll: ") + std::strerror(errno));
      break;
    }
    if (stop_requested()) break;

    if (accepting && (fds[1].revents & POLLIN) != 0) {
      const int no_room = probe_free_descriptors(kDescriptorsPerNewClient);
      AcceptResult accepted;
      if (no_room != 0) {
        accepted.kind = AcceptResult::Kind::kOutOfDescriptors;
        accepted.error = no_room;
      } else {
        accepted = accept_connection(listener.fd.get(), SocketMode::kBlocking);
      }
      if (accepted.kind == AcceptResult::Kind::kAccepted) {
        backoff.accepted();
        const pid_t pid = fork_child([&]() -> int {
          listener.fd.reset();  // the child serves; only the parent accepts
          trace_connection("serve", accepted.peer);
          std::unique_ptr<Session> session = make_session(options.protocol, config, Clock::now());
          DriveEnd end = serve_blocking(std::move(accepted.fd), *session, accepted.peer);
          trace_connection(drive_end_name(end), accepted.peer);
          return EXIT_SUCCESS;
        });
        if (pid < 0) {
          // Out of processes: this client is closed unanswered; the next may have more luck.
          log_line(std::string("fork_limited: fork: ") + std::strerror(errno) + "; closing " +
                   accepted.peer);
        } else {
          children.add(pid);
        }
        // accepted.fd closes here: the parent's copy. The child's copy is the connection now.
      } else if (accepted.kind == AcceptResult::Kind::kOutOfDescriptors) {
        accept_pause.pause_for(backoff.failed(
            accepted.error, std::to_string(children.size()) + " children serving"));
      }
    }

    // Housekeeping, every round: collect the children that ended since the last look. A child
    // that was killed is counted out too (the original kept it forever: it checked WIFEXITED).
    for (const ChildExit& ended : children.reap_ended()) {
      if (!WIFEXITED(ended.status) || WEXITSTATUS(ended.status) != 0) {
        log_line("fork_limited: child " + std::to_string(ended.pid) + " " +
                 describe_exit(ended.status));
      }
    }
  }

  children.stop_all();
  log_line("fork_limited: stopped");
  return EXIT_SUCCESS;
}
