// The reactor architecture's own flags (on top of the shared ones of servers/core/server_flags.h),
// named as in Swoole's server settings where Swoole has the same knob:
//
//   --reactors R            reactor_num       threads in the master that own the connections
//   --workers W             worker_num        worker processes that run the handlers
//   --task-workers T        task_worker_num   processes that run slow jobs (GET /task)
//   --dispatch-mode 1..4    dispatch_mode     1 round-robin, 2 fixed by connection, 3 idle
//                                             worker, 4 by client IP
//   --max-request N         max_request       a worker retires after N requests (0: never)
//   --heartbeat-check-ms    heartbeat_check_interval (Swoole: seconds; here milliseconds)
//   --heartbeat-idle-ms     heartbeat_idle_time
//   --max-wait-ms           max_wait_time     how long a retiring worker may keep stateful
//                                             connections and unfinished work
//   --task-max-pending      (Swoole has no bound: its task() blocks when the queue is full)
//
// Thread-safety: filled once in main before any thread or child starts; read-only afterwards.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace archbench::reactor {

enum class DispatchMode { kRoundRobin = 1, kFixed = 2, kIdle = 3, kByIp = 4 };

std::string_view dispatch_mode_name(DispatchMode mode);

struct ReactorOptions {
  int reactors = 2;
  int workers = 2;
  int task_workers = 1;
  int dispatch_mode = 2;  // kept as an int for CLI11; see mode()
  long max_request = 0;
  long heartbeat_check_ms = 0;  // 0: no heartbeat
  long heartbeat_idle_ms = 0;
  long max_wait_ms = 3000;
  int task_max_pending = 64;

  DispatchMode mode() const { return static_cast<DispatchMode>(dispatch_mode); }
  bool heartbeat_enabled() const { return heartbeat_idle_ms > 0; }
};

// Adds the flags above to `app` (bound to `options`). Validation of combinations happens in
// check_reactor_options.
void add_reactor_flags(CLI::App& app, ReactorOptions& options);

// Fills in what follows from other flags (a heartbeat idle time without a check interval checks
// every idle/2 ms, as Swoole does) and returns an error message for impossible combinations,
// empty when the options are fine.
std::string check_reactor_options(ReactorOptions& options);

}  // namespace archbench::reactor
