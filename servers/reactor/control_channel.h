// The manager -> master control channel: "worker slot S has a new process P; here are the
// master's ends of its socketpairs, one per reactor thread".
//
// Why descriptors travel at all: the reactor threads must hold one end of each worker's
// socketpairs, but workers are the manager's children, and every worker incarnation gets FRESH
// socketpairs (ipc_message.h explains why a stream cannot outlive its writer). The manager
// creates them just before forking the worker, keeps the worker's ends in the child, and sends
// the master's ends here with SCM_RIGHTS (Stevens' descriptor passing, UNP 15.7). The master's
// main thread hands each end to its reactor thread.
//
// The channel is a SOCK_SEQPACKET socketpair made by the master before it forks the manager:
// records keep their boundaries, so one announcement is one recvmsg() with its descriptors.
//
// Thread-safety: one sender (the manager's main loop) and one receiver (the master's main
// thread); each call is one sendmsg/recvmsg.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

#include "servers/core/unique_fd.h"

namespace archbench::reactor {

struct WorkerAnnouncement {
  std::uint32_t slot = 0;
  std::uint32_t generation = 0;  // counts incarnations of the slot: 1, 2, ...
  pid_t pid = 0;
};

// Sends the announcement with `fds` (at most 64). Blocks if the channel is full (it never is:
// the master reads it all the time). False with errno set when the master is gone.
bool send_announcement(int channel, const WorkerAnnouncement& announcement,
                       const std::vector<int>& fds);

struct ReceivedAnnouncement {
  enum class Kind { kAnnouncement, kClosed, kNothing, kError };
  Kind kind = Kind::kError;
  WorkerAnnouncement announcement;
  std::vector<UniqueFd> fds;  // close-on-exec in this process
  int error = 0;
};

// One non-blocking recvmsg: kNothing when no record is waiting.
ReceivedAnnouncement receive_announcement(int channel);

}  // namespace archbench::reactor
