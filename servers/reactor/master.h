// The master process's main thread (Swoole's "master thread"): it accepts, hands each connection
// to a reactor thread, passes worker channels from the manager to the reactor threads, and turns
// signals into actions.
//
//   poll(listen socket, stop pipe, signal pipe, SIGCHLD pipe, control channel)
//     listen socket   accept4 (non-blocking, close-on-exec) in batches; each new connection gets
//                     a fresh session id and goes to reactor thread (n++ mod R), which owns it;
//                     out of descriptors: refused with the reserve descriptor (see master.cc)
//     control channel "worker S is pid P; here are its channel ends": end r -> reactor thread r
//     SIGUSR1/SIGUSR2 forwarded to the manager (it reloads workers / task workers one by one)
//     SIGCHLD         the manager died: log it and stop (exit 1)
//     SIGTERM/SIGINT  stop: close the listen socket, SIGTERM the manager, let the reactors answer
//                     what is in flight and close their clients (1.2 s at most), reap the
//                     manager (which has reaped everything below it), exit 0 within 2 s
//
// Thread-safety: run() is the main thread's loop; the reactor threads are reached only through
// their thread-safe hand_* / request_stop calls.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "servers/core/accept_backoff.h"
#include "servers/core/listen_socket.h"
#include "servers/core/reserve_descriptor.h"
#include "servers/core/unique_fd.h"
#include "servers/reactor/master_shared.h"
#include "servers/reactor/reactor_thread.h"

namespace archbench::reactor {

class Master {
 public:
  // `control` is the master's end of the control channel; `manager` the manager's pid.
  Master(MasterShared& shared, ListenSocket& listener, UniqueFd control, pid_t manager);

  // Starts the reactor threads, waits (bounded) for the first worker of every slot, prints
  // READY, serves until stopped. Returns the exit code.
  int run();

 private:
  bool wait_for_workers();
  void accept_batch();
  void take_announcements();
  bool manager_ended();
  int stop(int code);

  MasterShared& shared_;
  ListenSocket& listener_;
  UniqueFd control_;
  pid_t manager_;
  bool manager_reaped_ = false;
  int manager_status_ = 0;
  std::vector<std::unique_ptr<ReactorThread>> reactors_;
  std::size_t next_reactor_ = 0;
  std::uint64_t next_session_ = 1;
  int announced_ = 0;
  std::uint64_t hellos_ = 0;
  // Out of descriptors: refusals with the reserve descriptor, else a pause of accepting.
  ExhaustionRefuser exhaustion_{"reactor master"};
  AcceptPause accept_pause_;
};

}  // namespace archbench::reactor
