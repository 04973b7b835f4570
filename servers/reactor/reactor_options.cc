#include "servers/reactor/reactor_options.h"

namespace archbench::reactor {

std::string_view dispatch_mode_name(DispatchMode mode) {
  switch (mode) {
    case DispatchMode::kRoundRobin:
      return "round-robin";
    case DispatchMode::kFixed:
      return "fixed";
    case DispatchMode::kIdle:
      return "idle";
    case DispatchMode::kByIp:
      return "by-ip";
  }
  return "?";
}

void add_reactor_flags(CLI::App& app, ReactorOptions& options) {
  app.add_option("--reactors", options.reactors,
                 "reactor threads in the master (each owns its connections for life)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--workers", options.workers, "worker processes (run the protocol handlers)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_option("--task-workers", options.task_workers,
                 "task worker processes (GET /task jobs); 0: /task answers 503")
      ->capture_default_str()
      ->check(CLI::Range(0, 256));
  app.add_option("--dispatch-mode", options.dispatch_mode,
                 "1 round-robin, 2 fixed by connection, 3 idle worker, 4 by client IP")
      ->capture_default_str()
      ->check(CLI::Range(1, 4));
  app.add_option("--max-request", options.max_request,
                 "a worker retires after this many requests, without dropping any (0: never)")
      ->capture_default_str()
      ->check(CLI::Range(0L, 1L << 40));
  app.add_option("--heartbeat-check-ms", options.heartbeat_check_ms,
                 "how often reactors look for idle connections (0: idle-ms / 2)")
      ->capture_default_str()
      ->check(CLI::Range(0L, 3600L * 1000));
  app.add_option("--heartbeat-idle-ms", options.heartbeat_idle_ms,
                 "close a connection with no traffic and nothing owed for this long (0: never)")
      ->capture_default_str()
      ->check(CLI::Range(0L, 24L * 3600 * 1000));
  app.add_option("--max-wait-ms", options.max_wait_ms,
                 "how long a retiring worker may finish its work before what is left is dropped")
      ->capture_default_str()
      ->check(CLI::Range(0L, 3600L * 1000));
  app.add_option("--task-max-pending", options.task_max_pending,
                 "tasks one worker may have queued or running; beyond it /task answers 503")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
}

std::string check_reactor_options(ReactorOptions& options) {
  if (options.heartbeat_check_ms > 0 && options.heartbeat_idle_ms == 0) {
    return "--heartbeat-check-ms needs --heartbeat-idle-ms";
  }
  if (options.heartbeat_idle_ms > 0 && options.heartbeat_check_ms == 0) {
    options.heartbeat_check_ms = options.heartbeat_idle_ms / 2 > 0 ? options.heartbeat_idle_ms / 2 : 1;
  }
  return {};
}

}  // namespace archbench::reactor
