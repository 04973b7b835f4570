// What the master's threads (the main thread and the R reactor threads) share, and what the main
// thread hands to a reactor thread.
//
// Thread-safety: MasterShared is built by main before the threads start; afterwards its plain
// fields are read-only and `slot_load` holds atomics that every reactor thread updates (relaxed:
// they are a load estimate for dispatch mode 3, not a synchronisation point).
#pragma once

#include <sys/eventfd.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "protocols/session.h"
#include "servers/core/unique_fd.h"
#include "servers/reactor/reactor_options.h"

namespace archbench::reactor {

struct MasterShared {
  MasterShared(Protocol protocol, ProtocolConfig config, ReactorOptions options)
      : protocol(protocol),
        config(std::move(config)),
        options(options),
        slot_load(new std::atomic<int>[static_cast<std::size_t>(options.workers)]),
        hellos(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    for (int i = 0; i < options.workers; ++i) slot_load[i].store(0);
  }

  const Protocol protocol;
  const ProtocolConfig config;
  const ReactorOptions options;
  // Requests in flight per worker slot, summed over reactor threads (dispatch mode 3).
  std::unique_ptr<std::atomic<int>[]> slot_load;
  // An eventfd each reactor thread adds 1 to when a worker says hello on its channel: the main
  // thread announces READY only once every reactor can reach every first worker.
  UniqueFd hellos;
};

// An accepted client, on its way from the main thread to the reactor thread that will own it.
struct NewConnection {
  UniqueFd socket;
  std::string peer;
  std::uint64_t session = 0;
  std::uint32_t address_key = 0;
};

// One worker process's channel to one reactor thread, as announced by the manager.
struct NewLink {
  int slot = 0;
  std::uint32_t generation = 0;
  pid_t pid = 0;
  UniqueFd channel;
};

}  // namespace archbench::reactor
