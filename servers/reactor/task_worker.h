// TaskWorker: one task worker process (Swoole's "task worker", onTask).
//
//   poll(task queue, stop pipe)
//   -> take ONE job from the shared queue (competing with the other task workers)
//   -> note it on the TaskBoard (so the manager can name it if this process is killed)
//   -> work for job.ms milliseconds (a blocking job: the point of task workers is that such a
//      job blocks this process, not a worker)
//   -> send the result to the worker process that asked (its result socket)
//
// SIGTERM (reload with SIGUSR2, or server stop): the job in hand is finished and its result sent,
// then the process exits; jobs still queued stay in the queue for the other task workers.
//
// Thread-safety: a task worker process is single-threaded.
#pragma once

#include <cstdint>

#include "servers/reactor/task_ipc.h"

namespace archbench::reactor {

struct TaskWorkerSetup {
  int slot = 0;
  int queue = -1;  // the task queue's receiving end
  std::uint64_t run_id = 0;
  TaskBoardEntry* board = nullptr;
};

// The body of a task worker process; returns its exit code.
int run_task_worker(const TaskWorkerSetup& setup);

}  // namespace archbench::reactor
