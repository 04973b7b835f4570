// reactor: Swoole's process model (SWOOLE_PROCESS mode) in C++.
//
//   master process  main thread: accept + signals          (master.h)
//                   R reactor threads: own the connections  (reactor_thread.h)
//     |  unix socketpairs, one per (reactor thread, worker process)
//   manager process: forks, respawns, reloads               (manager.h)
//     +-- W worker processes: run the handlers              (worker.h)
//     +-- T task worker processes: run slow jobs            (task_worker.h)
//
// Start-up order matters: fork() copies only the calling thread, so the manager is forked while
// the master is still single-threaded; only then does the master start its reactor threads. The
// control channel to the manager is made before that fork, so both hold one end. See
// docs/reactor.md for the whole picture.
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>

#include "servers/core/listen_socket.h"
#include "servers/core/server_flags.h"
#include "servers/core/server_log.h"
#include "servers/core/stop_signal.h"
#include "servers/process/child_exit_pipe.h"
#include "servers/process/child_processes.h"
#include "servers/reactor/manager.h"
#include "servers/reactor/master.h"
#include "servers/reactor/master_shared.h"
#include "servers/reactor/reactor_options.h"
#include "servers/reactor/signal_pipe.h"

using namespace archbench;
using namespace archbench::reactor;

int main(int argc, char** argv) {
  ServerCommandLine command_line(
      "reactor",
      "archbench reactor: Swoole's model. A master process (main thread accepts, R reactor "
      "threads own the connections and frame), a manager process, W worker processes (handlers) "
      "and T task worker processes (slow jobs), connected by unix socketpairs");
  ReactorOptions options;
  add_reactor_flags(command_line.app(), options);
  command_line.parse_or_exit(argc, argv);
  if (std::string problem = check_reactor_options(options); !problem.empty()) {
    log_line("reactor: " + problem);
    return 2;
  }
  const CommonOptions& common = command_line.options();
  const ProtocolConfig config = command_line.protocol_config(true);

  install_stop_handlers();
  process::install_child_exit_pipe();
  install_signal_pipe({SIGUSR1, SIGUSR2});
  ListenSocket listener = listen_or_exit(common.host, common.port, common.backlog);

  int control[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control) != 0) {
    log_line(std::string("reactor: control socketpair: ") + std::strerror(errno));
    return 1;
  }
  UniqueFd master_end(control[0]);
  UniqueFd manager_end(control[1]);
  // Names this run's task-result sockets (abstract unix names are shared machine-wide).
  const std::uint64_t run_id = (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^
                               static_cast<std::uint64_t>(::getpid());

  const pid_t manager = fork_with_private_signal_pipe([&]() -> int {
    listener.fd.reset();  // the manager and its children never accept
    master_end.reset();
    ManagerSetup setup;
    setup.control = std::move(manager_end);
    setup.run_id = run_id;
    setup.protocol = common.protocol;
    setup.config = &config;
    setup.options = &options;
    return run_manager(std::move(setup));
  });
  if (manager < 0) {
    log_line(std::string("reactor: fork (manager): ") + std::strerror(errno));
    return 1;
  }
  manager_end.reset();

  MasterShared shared(common.protocol, config, options);
  Master master(shared, listener, std::move(master_end), manager);
  return master.run();
}
