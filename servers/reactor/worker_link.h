// WorkerLink: a reactor thread's end of one worker process's socketpair.
//
// Life of a link, as the reactor sees it:
//   kStarting  the channel arrived from the manager; the worker has not said kHello yet
//              (work for its slot is parked meanwhile, in the fixed dispatch modes)
//   kActive    takes new work
//   kRetiring  said kRetiring (max_request reached, reload, stop): no new work; the reactor
//              answered kRetireAck, moved the stateless connections it owned to other workers,
//              and still forwards data of the stateful sessions it owns until it exits
//   gone       EOF: the process ended; what it still owed is named in one log line and those
//              connections are closed
//
// Thread-safety: owned by one reactor thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <unordered_map>

#include "servers/core/unique_fd.h"
#include "servers/reactor/ipc_message.h"

namespace archbench::reactor {

struct WorkerLink {
  enum class State { kStarting, kActive, kRetiring, kGone };

  std::uint32_t id = 0;  // this reactor's name for the link (never reused)
  int slot = 0;
  std::uint32_t generation = 0;
  pid_t pid = 0;
  State state = State::kStarting;
  UniqueFd channel;
  MessageReader in;
  MessageWriter out;
  std::uint32_t interest = 0;  // events last given to epoll
  bool dirty = false;          // `out` has bytes to flush at the end of this loop turn
  // Requests sent and not answered yet, per connection (what is lost if the process dies).
  std::unordered_map<std::uint64_t, int> in_flight;
  int in_flight_total = 0;
};

}  // namespace archbench::reactor
