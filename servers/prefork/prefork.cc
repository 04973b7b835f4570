// prefork: N children, all waiting in accept() on the one listening socket (leader/followers).
//
//   parent                         child 1 .. child N (forked once, at start)
//   ------                         ------------------------------------------
//   socket/bind/listen             loop:
//   fork N children                  lock()          <- followers wait here (fcntl / mutex)
//   READY                            accept()        <- the leader waits here (--accept-lock none:
//   sleep in poll(stop, SIGCHLD)     unlock()           all N wait here; the kernel picks one)
//     child died -> log, fork one    serve the client until it is done (blocking driver)
//     SIGTERM -> stop all, reap      close
//
// The original: the PHP server whose 32 pcntl_fork() children all sit in socket_accept() on the
// socket their parent opened; Stevens' UNIX Network Programming ch. 30 measures the same design
// with no lock, an fcntl lock and a process-shared mutex around accept(). See docs/prefork.md.
//
// Differences from its siblings: the children are forked once, before any client comes, and
// accept for themselves (fork_limited forks after accept); each child serves one connection at a
// time, so N children serve at most N clients at once; the only knob is the accept lock.
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>

#include "protocols/session.h"
#include "servers/core/accept.h"
#include "servers/core/accept_backoff.h"
#include "servers/core/blocking_driver.h"
#include "servers/core/listen_socket.h"
#include "servers/core/server_flags.h"
#include "servers/core/server_log.h"
#include "servers/core/stop_signal.h"
#include "servers/process/accept_lock.h"
#include "servers/process/child_exit_pipe.h"
#include "servers/process/child_processes.h"

using namespace archbench;
using namespace archbench::process;

int main(int argc, char** argv) {
  ServerCommandLine command_line("prefork",
                                 "archbench prefork: N preforked children all accept() on the "
                                 "shared listening socket, one connection each at a time");
  int workers = 4;
  std::string lock_name = "none";
  command_line.app()
      .add_option("--workers", workers,
                  "children forked at start (each serves one client at a time)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  command_line.app()
      .add_option(
          "--accept-lock", lock_name,
          "around accept(): none (kernel picks), fcntl (file lock), mutex (shared pthread mutex)")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "fcntl", "mutex"}));
  command_line.parse_or_exit(argc, argv);
  const CommonOptions& options = command_line.options();
  const ProtocolConfig config = command_line.protocol_config(
      false,
      "prefork serves each connection in its own process; no process can write to another's "
      "connections");

  install_stop_handlers();
  install_child_exit_pipe();
  ListenSocket listener = listen_or_exit(options.host, options.port, options.backlog);
  std::unique_ptr<AcceptLock> accept_lock;
  try {
    accept_lock = make_accept_lock(*parse_accept_lock(lock_name));  // IsMember checked the name
  } catch (const std::exception& e) {
    log_line(std::string("prefork: cannot create the accept lock: ") + e.what());
    return EXIT_FAILURE;
  }

  // What every child runs, until SIGTERM: take the lock, accept one client, give the lock back,
  // serve that client. The listening socket stays blocking: accept() is where a child sleeps.
  //
  // Out of descriptors: each child holds one connection at a time, so a child runs out only when
  // something else holds its descriptors or the system is out (ENFILE). accept() then fails at
  // once on every try while the client stays queued. The child backs off with a bounded sleep,
  // lock released, so a sibling that still has descriptors takes the client; the client waits in
  // the backlog meanwhile, exactly as it does when every child is busy, and the connections
  // other children serve are untouched. Each child logs its own episodes.
  auto child_main = [&]() -> int {
    AcceptBackoff backoff("prefork child " + std::to_string(::getpid()),
                          "clients wait in the backlog for this or another child");
    while (accept_lock->lock()) {
      AcceptResult accepted = accept_connection(listener.fd.get(), SocketMode::kBlocking);
      accept_lock->unlock();
      if (accepted.kind == AcceptResult::Kind::kOutOfDescriptors) {
        if (!wait_unless_stopped(backoff.failed(accepted.error))) break;
        continue;
      }
      if (accepted.kind == AcceptResult::Kind::kFatal) {
        if (is_listener_shut_down(accepted.error)) break;  // the parent is stopping
        log_line(std::string("prefork: accept failed: ") + std::strerror(accepted.error));
        return EXIT_FAILURE;
      }
      if (accepted.kind != AcceptResult::Kind::kAccepted) continue;  // EINTR, aborted, ...
      backoff.accepted();

      trace_connection("serve", accepted.peer);
      std::unique_ptr<Session> session = make_session(options.protocol, config, Clock::now());
      DriveEnd end = serve_blocking(std::move(accepted.fd), *session, accepted.peer);
      trace_connection(drive_end_name(end), accepted.peer);
    }
    return EXIT_SUCCESS;
  };

  ChildSet children;
  auto start_child = [&]() -> pid_t {
    const pid_t pid = fork_child(child_main);
    if (pid < 0) {
      log_line(std::string("prefork: fork: ") + std::strerror(errno));
    } else {
      children.add(pid);
    }
    return pid;
  };
  for (int i = 0; i < workers; ++i) start_child();
  log_line("prefork: " + std::to_string(children.size()) + " children, accept lock " + lock_name);
  announce_ready(listener);

  // The parent only supervises. It never touches a connection and sleeps until a signal:
  // SIGTERM/SIGINT (stop pipe) or SIGCHLD (child-exit pipe). No timeout, no polling.
  for (;;) {
    pollfd fds[2] = {{stop_fd(), POLLIN, 0}, {child_exit_fd(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) {
      log_line(std::string("prefork: poll: ") + std::strerror(errno));
      break;
    }
    if (stop_requested()) break;
    drain_child_exit_pipe();  // before reaping: see child_exit_pipe.h
    for (const ChildExit& ended : children.reap_ended()) {
      const pid_t replacement = start_child();
      log_line("prefork: child " + std::to_string(ended.pid) + " " + describe_exit(ended.status) +
               (replacement > 0 ? "; started child " + std::to_string(replacement) + " in its place"
                                : std::string("; fork failed: the pool is one child short")));
    }
  }

  // Children blocked in accept() wake up with EINVAL, the others get SIGTERM: see
  // shut_down_listener() for why a signal alone could leave one asleep in accept().
  shut_down_listener(listener.fd.get());
  children.stop_all();
  log_line("prefork: stopped");
  return EXIT_SUCCESS;
}
