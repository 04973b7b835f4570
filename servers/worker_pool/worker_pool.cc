// worker_pool: a master that keeps N accepting workers alive, replacing each one the moment it
// dies.
//
//   master                                      worker 1 .. worker N
//   ------                                      --------------------
//   socket/bind/listen                          loop:
//   fork N workers                                accept()      <- every idle worker waits here
//   READY                                         serve the client until it is done
//   sleep in poll(stop, SIGCHLD pipe)             close
//     SIGCHLD -> waitpid(WNOHANG) each dead
//       worker, log pid + exit status, fork
//       a replacement at once
//     SIGTERM -> stop all, reap, exit 0
//
// The original: the PHP worker pool (phpsphb/book-examples) whose master loops forever over
// pcntl_waitpid($worker, WNOHANG), "Worker $worker has died", then usleep(500) before looking
// again: 2000 wake-ups a second with nothing to do, and up to 0.5 ms (plus the loop) before a
// death is seen. Here SIGCHLD wakes the master through a self-pipe: it sleeps until something
// happens, and notices a death as soon as the kernel reports it. See docs/worker_pool.md.
//
// Differences from its siblings: the workers are prefork's children with no accept lock; what
// this file is about is the master's supervision: immediate, signal-driven replacement with a
// log line per death, and a brake so a worker that crashes on start cannot fork-loop the machine.
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <thread>

#include "protocols/session.h"
#include "servers/core/accept.h"
#include "servers/core/accept_backoff.h"
#include "servers/core/blocking_driver.h"
#include "servers/core/clock.h"
#include "servers/core/listen_socket.h"
#include "servers/core/server_flags.h"
#include "servers/core/server_log.h"
#include "servers/core/stop_signal.h"
#include "servers/process/child_exit_pipe.h"
#include "servers/process/child_processes.h"

using namespace archbench;
using namespace archbench::process;

// The respawn brake: at most this many replacements per worker slot in any one second. A kill -9
// now and then is replaced at once; a worker that dies as soon as it starts is not re-forked in
// a tight loop (the rest wait for the window to move on).
constexpr int kRespawnsPerWorkerPerSecond = 2;
constexpr std::chrono::seconds kRespawnWindow{1};

int main(int argc, char** argv) {
  ServerCommandLine command_line("worker_pool",
                                 "archbench worker_pool: a master keeps N accepting workers "
                                 "alive, replacing each one as soon as it dies");
  int workers = 4;
  command_line.app()
      .add_option("--workers", workers, "workers kept alive (each serves one client at a time)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  command_line.parse_or_exit(argc, argv);
  const CommonOptions& options = command_line.options();
  const ProtocolConfig config = command_line.protocol_config(
      false,
      "worker_pool serves each connection in its own worker process; no process can write "
      "to another's connections");

  install_stop_handlers();
  install_child_exit_pipe();
  ListenSocket listener = listen_or_exit(options.host, options.port, options.backlog);

  // Out of descriptors: a worker holds one connection at a time, so it runs out only when
  // something else holds its descriptors or the system is out (ENFILE), and accept() then fails
  // at once on every try while the client stays queued. The worker backs off with a bounded
  // sleep: another worker may take the client, which waits in the backlog as it does when every
  // worker is busy. The worker does NOT exit: the master would replace it with a copy that runs
  // into the same limit, a fork loop that the respawn brake would only slow down.
  auto worker_main = [&]() -> int {
    AcceptBackoff backoff("worker_pool worker " + std::to_string(::getpid()),
                          "clients wait in the backlog for this or another worker");
    while (!stop_requested()) {
      AcceptResult accepted = accept_connection(listener.fd.get(), SocketMode::kBlocking);
      if (accepted.kind == AcceptResult::Kind::kOutOfDescriptors) {
        if (!wait_unless_stopped(backoff.failed(accepted.error))) break;
        continue;
      }
      if (accepted.kind == AcceptResult::Kind::kFatal) {
        if (is_listener_shut_down(accepted.error)) break;  // the master is stopping
        log_line(std::string("worker_pool: accept failed: ") + std::strerror(accepted.error));
        return EXIT_FAILURE;
      }
      if (accepted.kind != AcceptResult::Kind::kAccepted) continue;
      backoff.accepted();

      trace_connection("serve", accepted.peer);
      std::unique_ptr<Session> session = make_session(options.protocol, config, Clock::now());
      DriveEnd end = serve_blocking(std::move(accepted.fd), *session, accepted.peer);
      trace_connection(drive_end_name(end), accepted.peer);
    }
    return EXIT_SUCCESS;
  };

  ChildSet pool;
  auto start_worker = [&]() -> pid_t {
    const pid_t pid = fork_child(worker_main);
    if (pid < 0) {
      log_line(std::string("worker_pool: fork: ") + std::strerror(errno));
    } else {
      pool.add(pid);
    }
    return pid;
  };
  for (int i = 0; i < workers; ++i) start_worker();
  log_line("worker_pool: started " + std::to_string(pool.size()) + " worker(s)");
  announce_ready(listener);

  std::deque<TimePoint> recent_respawns;  // start times of replacements within the window
  int owed = 0;                           // replacements the brake has held back (or fork refused)
  for (;;) {
    // No timeout unless the brake holds back a replacement: then wake when the window allows it.
    std::optional<TimePoint> resume;
    if (owed > 0) {
      resume = recent_respawns.empty() ? Clock::now() + kRespawnWindow  // fork failed: retry later
                                       : recent_respawns.front() + kRespawnWindow;
    }
    pollfd fds[2] = {{stop_fd(), POLLIN, 0}, {child_exit_fd(), POLLIN, 0}};
    if (::poll(fds, 2, timeout_ms_until(resume, Clock::now())) < 0 && errno != EINTR) {
      log_line(std::string("worker_pool: poll: ") + std::strerror(errno));
      break;
    }
    if (stop_requested()) break;

    drain_child_exit_pipe();  // before reaping: see child_exit_pipe.h
    std::vector<ChildExit> deaths = pool.reap_ended();
    owed += static_cast<int>(deaths.size());

    const TimePoint now = Clock::now();
    while (!recent_respawns.empty() && now - recent_respawns.front() >= kRespawnWindow) {
      recent_respawns.pop_front();
    }
    const std::size_t budget = static_cast<std::size_t>(kRespawnsPerWorkerPerSecond * workers);
    for (const ChildExit& death : deaths) {
      std::string line =
          "worker_pool: worker " + std::to_string(death.pid) + " " + describe_exit(death.status);
      if (recent_respawns.size() < budget) {
        const pid_t replacement = start_worker();
        if (replacement > 0) {
          --owed;
          recent_respawns.push_back(now);
          line += "; replaced by worker " + std::to_string(replacement);
        } else {
          line += "; no replacement yet (fork failed, retrying in a second)";
        }
      } else {
        line += "; replacement held back: already " + std::to_string(budget) +
                " respawns in the last second";
      }
      log_line(line);
    }
    // Replacements held back earlier, now that the window has moved on.
    while (owed > 0 && recent_respawns.size() < budget) {
      const pid_t replacement = start_worker();
      if (replacement < 0) break;
      --owed;
      recent_respawns.push_back(now);
      log_line("worker_pool: started held-back worker " + std::to_string(replacement));
    }
  }

  // Workers blocked in accept() wake up with EINVAL, busy ones get SIGTERM (see
  // shut_down_listener() for why a signal alone could leave one asleep in accept()).
  shut_down_listener(listener.fd.get());
  pool.stop_all();
  log_line("worker_pool: stopped");
  return EXIT_SUCCESS;
}
