// socketpair_workers: children that talk back to their parent over a socketpair of their own.
//
// --mode notify (default): fork_limited without the polling.
//
//   parent                                         child (one per connection)
//   ------                                         --------------------------
//   loop:                                          serve the client (blocking driver)
//     poll(stop, listen*, child 1 .. child n)      write "D" to its socketpair ("done")
//       NO timeout: it sleeps until a client       _exit  -> the kernel closes the pair: EOF
//       or a child has something to say
//     "D" from child k  -> noted                   * listen is left out at --max-procs
//     EOF from child k  -> waitpid(k): slot free
//     listen readable   -> accept, socketpair, fork
//
// --mode pass-fd: Stevens' preforked children with descriptor passing (UNP ch. 30.9).
//
//   parent                                         worker 1 .. worker N (forked at start)
//   ------                                         --------------------------------------
//   loop:                                          loop:
//     poll(stop, listen*, worker 1 .. worker N)      poll(stop, its socketpair)  <- idle here
//     listen readable -> accept, pass the socket     receive the socket (SCM_RIGHTS)
//        to an idle worker (SCM_RIGHTS), close ours  serve the client (blocking driver)
//     "I" from worker k -> worker k is idle again    write "I" ("idle again")
//     EOF from worker k -> it died: reap, replace  * listen is left out while no worker is idle
//
// The original: the stream_socket_pair() variant of the limited forking echo server
// (phpsphb/book-examples), in which every child writes "$pid\n" into ONE socketpair shared by all
// of them. docs/socketpair_workers.md explains why that loses children (the parent holds the
// shared write end itself, so a crashed child never shows up; two pids in one read leave one
// behind in PHP's buffer) and why one pair per child fixes it: the kernel reports each child's
// exit as EOF on its own pair, crash or not.
//
// Differences from its siblings: the parent blocks with no timeout (fork_limited wakes every
// 500 ms to reap); in pass-fd mode only the parent accepts and the workers never touch the
// listening socket (prefork's children accept for themselves).
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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
#include "servers/process/descriptor_passing.h"
#include "servers/socketpair_workers/child_channel.h"

using namespace archbench;
using namespace archbench::process;
using namespace archbench::socketpair_workers;

namespace {

constexpr char kDone = 'D';  // notify: "my client is served, I am exiting"
constexpr char kIdle = 'I';  // pass-fd: "I can take the next client"

// What both modes share: the listening socket and how one client is served.
struct Server {
  ListenSocket listener;
  Protocol protocol;
  ProtocolConfig config;

  void serve(UniqueFd client, const std::string& peer) const {
    trace_connection("serve", peer);
    std::unique_ptr<Session> session = make_session(protocol, config, Clock::now());
    DriveEnd end = serve_blocking(std::move(client), *session, peer);
    trace_connection(drive_end_name(end), peer);
  }
};

// ----- --mode notify ---------------------------------------------------------------------------

struct NotifyingChild {
  pid_t pid = -1;
  UniqueFd channel;        // the parent's end
  bool said_done = false;  // "D" arrived before EOF: a clean finish, not a crash
};

// Out of descriptors (notify): the parent holds a channel per live child, so with --max-procs 0
// its children's channels run it out, and a child's exit frees one. So it does what it does at
// --max-procs: the listen socket leaves the poll set, clients wait in the backlog, until a child
// exits or a bounded, growing pause passes (descriptors held elsewhere, ENFILE). One log line per
// episode. accept_with_channel secures what a client needs BEFORE accept(), so none is accepted
// only to be dropped: its channel, and room for it and for the child's stop pipe (a new child
// opens that before closing what it inherited). A shortage is kOutOfDescriptors, client queued.
AcceptResult accept_with_channel(const Server& server, ChildChannel& channel) {
  constexpr int kDescriptorsPerChild = 3;  // beyond the channel: the client + the stop pipe
  AcceptResult shortage;
  shortage.kind = AcceptResult::Kind::kOutOfDescriptors;
  if ((shortage.error = make_channel(channel)) != 0) {
    if (!is_out_of_descriptors(shortage.error)) shortage.kind = AcceptResult::Kind::kFatal;
    return shortage;
  }
  if ((shortage.error = probe_free_descriptors(kDescriptorsPerChild)) != 0) return shortage;
  return accept_connection(server.listener.fd.get(), SocketMode::kBlocking);
}

int run_notify(Server& server, int max_procs) {
  ChildSet children;
  std::vector<NotifyingChild> live;
  std::vector<pollfd> fds;
  AcceptBackoff backoff("socketpair_workers", "clients wait in the backlog until a child exits");
  AcceptPause accept_pause;
  auto out_of_descriptors = [&](int error) {
    accept_pause.pause_for(
        backoff.failed(error, std::to_string(live.size()) + " children, a channel each"));
  };
  announce_ready(server.listener);

  for (;;) {
    const bool below_limit = max_procs == 0 || live.size() < static_cast<std::size_t>(max_procs);
    const bool accepting = below_limit && !accept_pause.paused();
    fds.assign({{stop_fd(), POLLIN, 0},
                {server.listener.fd.get(), static_cast<short>(accepting ? POLLIN : 0), 0}});
    for (const NotifyingChild& child : live) fds.push_back({child.channel.get(), POLLIN, 0});
    // No timeout unless accepting pauses: every other event arrives on one of these descriptors.
    if (::poll(fds.data(), fds.size(), timeout_ms_until(accept_pause.deadline(), Clock::now())) < 0 &&
        errno != EINTR) {
      log_line(std::string("socketpair_workers: poll: ") + std::strerror(errno));
      break;
    }
    if (stop_requested()) break;

    // Children first, backwards so erasing keeps the earlier fds[] indices valid.
    for (std::size_t i = live.size(); i-- > 0;) {
      if (fds[2 + i].revents == 0) continue;
      std::optional<std::string> message = read_from_child(live[i].channel.get());
      if (message) {
        if (message->find(kDone) != std::string::npos) live[i].said_done = true;
        continue;  // its EOF follows as it exits
      }
      // EOF: the kernel closed the child's end as the process exited, so waitpid returns at once.
      ChildExit ended = children.reap(live[i].pid);
      if (!live[i].said_done || !WIFEXITED(ended.status) || WEXITSTATUS(ended.status) != 0) {
        log_line("socketpair_workers: child " + std::to_string(ended.pid) + " " +
                 describe_exit(ended.status) + (live[i].said_done ? "" : " without saying done"));
      }
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
      accept_pause.end();  // its channel is closed: a descriptor is free, try at once
    }

    if (!accepting || (fds[1].revents & POLLIN) == 0) continue;
    ChildChannel channel;
    AcceptResult accepted = accept_with_channel(server, channel);
    if (accepted.kind == AcceptResult::Kind::kOutOfDescriptors) out_of_descriptors(accepted.error);
    if (accepted.kind == AcceptResult::Kind::kFatal) {  // should not happen: say so, do not spin
      log_line(std::string("socketpair_workers: accept: ") + std::strerror(accepted.error));
      accept_pause.pause_for(std::chrono::milliseconds(100));
    }
    if (accepted.kind != AcceptResult::Kind::kAccepted) continue;  // both ends close here
    backoff.accepted();
    const pid_t pid = fork_child([&]() -> int {
      // Keep only what this child needs: its client and its end of its own pair. The siblings'
      // channels would only leak descriptors (with --max-procs 0, thousands of them).
      server.listener.fd.reset();
      channel.parent_end.reset();
      for (NotifyingChild& sibling : live) sibling.channel.reset();
      server.serve(std::move(accepted.fd), accepted.peer);
      [[maybe_unused]] ssize_t n = ::write(channel.child_end.get(), &kDone, 1);
      return EXIT_SUCCESS;  // _exit closes child_end: the parent sees EOF
    });
    if (pid < 0) {
      log_line(std::string("socketpair_workers: fork: ") + std::strerror(errno) + "; closing " +
               accepted.peer);
      continue;
    }
    children.add(pid);
    live.push_back({pid, std::move(channel.parent_end), false});
    // channel.child_end and accepted.fd close here: the parent's copies.
  }

  children.stop_all();
  log_line("socketpair_workers: stopped");
  return EXIT_SUCCESS;
}

// ----- --mode pass-fd --------------------------------------------------------------------------

struct PoolWorker {
  pid_t pid = -1;
  UniqueFd channel;  // the parent's end
  bool idle = false;
};

// A worker's whole life: wait for a descriptor (or a stop), serve it, say "idle", repeat.
//
// Out of descriptors (pass-fd, worker side): a worker holds one client at a time, so it runs out
// only if something else holds its descriptors or the system is out (ENFILE). Then recvmsg()
// gets the byte with MSG_CTRUNC and the kernel drops the passed socket (its client sees the
// connection closed). The worker neither dies (a replacement inherits the same limits: a respawn
// loop) nor says "idle" at once (it would lose the next client too): it backs off, bounded, so
// the parent hands clients to other workers or leaves them in the backlog. Logged once per
// episode.
int worker_main(const Server& server, int channel) {
  AcceptBackoff backoff("socketpair_workers worker " + std::to_string(::getpid()),
                        "clients passed to it are closed; it stays busy for the parent meanwhile");
  for (;;) {
    pollfd fds[2] = {{stop_fd(), POLLIN, 0}, {channel, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) return EXIT_FAILURE;
    if (stop_requested()) return EXIT_SUCCESS;
    if (fds[1].revents == 0) continue;
    ReceivedDescriptor received = receive_descriptor(channel);
    switch (received.kind) {
      case ReceivedDescriptor::Kind::kDescriptor:
        backoff.accepted();
        break;
      case ReceivedDescriptor::Kind::kOutOfDescriptors:
        if (!wait_unless_stopped(backoff.failed(received.error, "recvmsg: MSG_CTRUNC"))) {
          return EXIT_SUCCESS;
        }
        if (::write(channel, &kIdle, 1) != 1) return EXIT_SUCCESS;  // the parent is gone
        continue;
      case ReceivedDescriptor::Kind::kClosed:
        return EXIT_SUCCESS;  // the parent is gone
      case ReceivedDescriptor::Kind::kError:
        if (received.error == EINTR) continue;
        log_line(std::string("worker: recvmsg: ") + std::strerror(received.error));
        return EXIT_FAILURE;
      case ReceivedDescriptor::Kind::kNoDescriptor:
        log_line("worker: a message without a descriptor");
        return EXIT_FAILURE;  // a parent bug: the parent replaces us
    }
    const std::string peer = peer_name(received.fd.get());
    server.serve(std::move(received.fd), peer);
    if (::write(channel, &kIdle, 1) != 1) return EXIT_SUCCESS;  // the parent is gone
  }
}

int run_pass_fd(Server& server, int worker_count) {
  ChildSet children;
  std::vector<PoolWorker> pool(static_cast<std::size_t>(worker_count));

  auto start_worker = [&](std::size_t slot) -> pid_t {
    ChildChannel channel;
    if (const int error = make_channel(channel); error != 0) {
      log_line(std::string("socketpair_workers: socketpair: ") + std::strerror(error));
      pool[slot] = PoolWorker{};
      return -1;
    }
    const pid_t pid = fork_child([&]() -> int {
      server.listener.fd.reset();  // only the parent accepts
      channel.parent_end.reset();
      for (PoolWorker& sibling : pool) sibling.channel.reset();
      return worker_main(server, channel.child_end.get());
    });
    if (pid < 0) {
      log_line(std::string("socketpair_workers: fork: ") + std::strerror(errno));
      pool[slot] = PoolWorker{};
      return -1;
    }
    children.add(pid);
    pool[slot] = PoolWorker{pid, std::move(channel.parent_end), true};
    return pid;
  };
  for (std::size_t slot = 0; slot < pool.size(); ++slot) start_worker(slot);
  log_line("socketpair_workers: " + std::to_string(children.size()) + " workers, pass-fd");
  announce_ready(server.listener);

  // Out of descriptors (pass-fd, parent side): the parent holds a channel per worker and a client
  // only until it is passed, so it runs out only if something else holds descriptors (or
  // ENFILE). It then does what it does while no worker is idle: the listen socket leaves the poll
  // set, clients wait in the backlog, for a bounded, growing pause.
  AcceptBackoff backoff("socketpair_workers", "clients wait in the backlog");
  AcceptPause accept_pause;
  std::size_t next = 0;  // where the search for an idle worker starts: round-robin
  std::vector<pollfd> fds;
  for (;;) {
    bool any_idle = false;
    for (const PoolWorker& worker : pool) any_idle = any_idle || worker.idle;
    // While every worker is busy the listening socket is left out: clients wait in the backlog.
    const bool accepting = any_idle && !accept_pause.paused();
    fds.assign({{stop_fd(), POLLIN, 0},
                {server.listener.fd.get(), static_cast<short>(accepting ? POLLIN : 0), 0}});
    for (const PoolWorker& worker : pool) fds.push_back({worker.channel.get(), POLLIN, 0});
    if (::poll(fds.data(), fds.size(), timeout_ms_until(accept_pause.deadline(), Clock::now())) < 0 &&
        errno != EINTR) {
      log_line(std::string("socketpair_workers: poll: ") + std::strerror(errno));
      break;
    }
    if (stop_requested()) break;

    for (std::size_t slot = 0; slot < pool.size(); ++slot) {
      if (!pool[slot].channel.valid() || fds[2 + slot].revents == 0) continue;
      std::optional<std::string> message = read_from_child(pool[slot].channel.get());
      if (message) {
        if (message->find(kIdle) != std::string::npos) pool[slot].idle = true;
        continue;
      }
      ChildExit ended = children.reap(pool[slot].pid);
      const pid_t replacement = start_worker(slot);
      log_line("socketpair_workers: worker " + std::to_string(ended.pid) + " " +
               describe_exit(ended.status) + "; started worker " + std::to_string(replacement) +
               " in its place");
    }

    if (!accepting || (fds[1].revents & POLLIN) == 0) continue;
    AcceptResult accepted = accept_connection(server.listener.fd.get(), SocketMode::kBlocking);
    if (accepted.kind != AcceptResult::Kind::kAccepted) {
      if (accepted.kind == AcceptResult::Kind::kOutOfDescriptors) {
        accept_pause.pause_for(backoff.failed(accepted.error));
      }
      continue;
    }
    backoff.accepted();
    for (std::size_t k = 0; k < pool.size(); ++k) {
      const std::size_t slot = (next + k) % pool.size();
      if (!pool[slot].idle) continue;
      // One token for the event, so the line keeps the "trace: <event> <peer> pid=" shape.
      trace_connection("pass-to-" + std::to_string(pool[slot].pid), accepted.peer);
      if (send_descriptor(pool[slot].channel.get(), accepted.fd.get())) {
        pool[slot].idle = false;
        next = slot + 1;
      } else {
        // The worker just died; its EOF is on the way and it will be replaced.
        log_line(std::string("socketpair_workers: passing ") + accepted.peer + " to worker " +
                 std::to_string(pool[slot].pid) + " failed: " + std::strerror(errno) +
                 "; the client is closed");
        pool[slot].idle = false;
      }
      break;
    }
    // accepted.fd closes here: the worker holds its own copy now.
  }

  children.stop_all();
  log_line("socketpair_workers: stopped");
  return EXIT_SUCCESS;
}

}  // namespace

int main(int argc, char** argv) {
  ServerCommandLine command_line(
      "socketpair_workers",
      "archbench socketpair_workers: children report to the parent over their own socketpair");
  std::string mode = "notify";
  int max_procs = 2;
  int workers = 4;
  command_line.app()
      .add_option("--mode", mode,
                  "notify: fork per connection, each child says done over its socketpair; "
                  "pass-fd: preforked workers receive accepted sockets over socketpairs")
      ->capture_default_str()
      ->check(CLI::IsMember({"notify", "pass-fd"}));
  command_line.app()
      .add_option(
          "--max-procs", max_procs,
          "notify: children alive at once (0: no limit); clients beyond wait in the backlog")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  command_line.app()
      .add_option("--workers", workers, "pass-fd: preforked workers, one client each at a time")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  command_line.parse_or_exit(argc, argv);
  // A flag of the other mode is a mistake worth saying out loud, not a value to ignore.
  const char* misplaced = mode == "notify"
                              ? (command_line.app().count("--workers") ? "--workers" : nullptr)
                              : (command_line.app().count("--max-procs") ? "--max-procs" : nullptr);
  if (misplaced != nullptr) {
    log_line(std::string("socketpair_workers: ") + misplaced + " does not apply to --mode " + mode +
             " (--max-procs is for notify, --workers for pass-fd)");
    return 2;
  }
  const CommonOptions& options = command_line.options();

  install_stop_handlers();
  Server server{listen_or_exit(options.host, options.port, options.backlog), options.protocol,
                command_line.protocol_config(
                    false,
                    "socketpair_workers serves each connection in its own process; no "
                    "process can write to another's connections")};
  // Only the parent accepts, right after poll() said "readable"; non-blocking, so a client that
  // vanished in between costs an EAGAIN, not a parent stuck in accept().
  set_nonblocking(server.listener.fd.get());
  return mode == "notify" ? run_notify(server, max_procs) : run_pass_fd(server, workers);
}
