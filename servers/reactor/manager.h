// Manager: the manager process (Swoole's "manager"). It forks the W workers and the T task
// workers, respawns any that dies, and carries out reloads. It serves no client.
//
//   poll(stop pipe, SIGCHLD pipe, SIGUSR1/SIGUSR2 pipe, retire-notice pipe; timeout: the next
//        retirement deadline)
//     SIGCHLD       reap; a current worker that died -> log + respawn its slot at once; a task
//                   worker that died while running a job -> the asking worker is told (503)
//     retire notice a worker reached --max-request: start its successor NOW (the retiring one
//                   still finishes what it has), so the slot is never empty for long
//     SIGUSR1       reload workers one by one: start the successor, ask the old one to retire
//                   (SIGUSR1), wait until it has exited (bounded: --max-wait-ms + 1 s, then
//                   SIGKILL and a log line), next slot
//     SIGUSR2       the same for task workers (SIGTERM: finish the job in hand, then exit)
//     SIGTERM       stop: SIGTERM every child, reap them all (SIGKILL after 1.2 s), exit 0
//
// Every worker incarnation gets fresh socketpairs, one per reactor thread: the manager makes them
// right before the fork, keeps the worker's ends in the child, and sends the master's ends over
// the control channel (control_channel.h). The task queue, the retire-notice pipe and the task
// board are made once, before the first fork, and inherited by every child.
//
// Thread-safety: the manager process is single-threaded.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include "protocols/session.h"
#include "servers/core/clock.h"
#include "servers/core/unique_fd.h"
#include "servers/process/child_processes.h"
#include "servers/reactor/reactor_options.h"
#include "servers/reactor/task_ipc.h"

namespace archbench::reactor {

struct ManagerSetup {
  UniqueFd control;  // the manager's end of the control channel
  std::uint64_t run_id = 0;
  Protocol protocol = Protocol::kEcho;
  const ProtocolConfig* config = nullptr;
  const ReactorOptions* options = nullptr;
};

class Manager {
 public:
  explicit Manager(ManagerSetup setup);
  int run();

 private:
  enum class Kind { kWorker, kTaskWorker };
  struct Slot {
    pid_t pid = 0;
    std::uint32_t generation = 0;
  };
  struct Retiree {
    Kind kind;
    int slot;
    TimePoint deadline;
    int board_index = -1;
    bool killed = false;
  };

  void spawn_worker(int slot);
  void spawn_task_worker(int slot);
  void on_child_exits();
  void on_retire_notices();
  void on_signals();
  void start_next_reload();
  void enforce_deadlines();
  // A task worker ended (any way): if it held a job, tell the worker that asked.
  void report_lost_task(int board_index, pid_t task_worker, const char* how);
  // True when slot `index` (workers first, then task workers) may be respawned now; otherwise
  // the respawn is retried after a pause.
  bool respawn_allowed(std::size_t index);
  std::optional<TimePoint> next_wake() const;
  const char* kind_name(Kind kind) const { return kind == Kind::kWorker ? "worker" : "task worker"; }

  ManagerSetup setup_;
  const ReactorOptions& options_;
  process::ChildSet children_;
  std::vector<Slot> workers_;
  std::vector<Slot> task_workers_;
  std::vector<int> task_board_index_;  // the board entry each task slot's current process uses
  std::map<pid_t, Retiree> retirees_;
  std::deque<std::pair<Kind, int>> reload_queue_;
  pid_t reloading_ = 0;  // the old process of the reload step in progress
  UniqueFd retire_read_;
  UniqueFd retire_write_;
  TaskQueue task_queue_;
  std::unique_ptr<TaskBoard> board_;
  UniqueFd result_sender_;
  std::vector<int> respawn_pending_;       // worker slots whose fork failed
  std::vector<int> task_respawn_pending_;  // task slots whose fork failed
  std::optional<TimePoint> retry_at_;
  // Respawn brake: when each slot was last (re)started after a death, so a process that dies as
  // soon as it starts is not re-forked in a tight loop.
  std::vector<std::deque<TimePoint>> recent_respawns_;
};

// The body of the manager process.
int run_manager(ManagerSetup setup);

}  // namespace archbench::reactor
