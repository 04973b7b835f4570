// How jobs travel from workers to task workers and results travel back (Swoole's task/onTask/
// onFinish), and what the task workers share with the manager.
//
//   worker --TaskJob--> [task queue] --> any idle task worker (competing consumers)
//   task worker --TaskResult--> the worker that asked (its own address)
//
// The task queue is ONE SOCK_SEQPACKET socketpair made by the manager: every worker holds the
// sending end, every task worker the receiving end. Records keep their boundaries and a recv()
// takes exactly one record, so task workers compete for jobs without a lock and a job is never
// split or taken twice. A task worker that retires simply stops reading: the jobs stay queued for
// the others, none is lost. Sends are non-blocking: a full queue is EAGAIN, which the worker
// answers with 503 instead of blocking (Swoole's task() would block the worker).
//
// Results need an address per worker PROCESS: two incarnations of a worker slot coexist during a
// reload, and a result must reach the one that asked. Each worker binds an abstract-namespace
// SOCK_DGRAM socket named after the run and its pid; task workers (and the manager, to report a
// job lost with a killed task worker) sendto() that name. A worker that has exited has no name
// any more: the send fails with ECONNREFUSED and the result is logged as undeliverable.
//
// TaskBoard is a page of shared memory (MAP_SHARED, made by the manager before forking task
// workers) where each task worker records the job it is running, so the manager can name
// exactly which job was lost when it has to kill a task worker.
//
// Thread-safety: the functions are single syscalls on the caller's sockets. TaskBoard entries are
// written by one task worker each and read by the manager (atomics, relaxed: a snapshot for a log
// line and a failure notice).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "servers/core/unique_fd.h"

namespace archbench::reactor {

struct TaskJob {
  std::uint64_t task_id = 0;  // unique within the asking worker
  pid_t worker_pid = 0;       // where the result goes
  std::uint32_t ms = 0;       // how long the job works
};

struct TaskResult {
  enum Status : std::uint32_t { kDone = 0, kDropped = 1 };
  std::uint64_t task_id = 0;
  pid_t task_worker_pid = 0;
  std::uint32_t worked_ms = 0;
  std::uint32_t status = kDone;
};

// The task queue's two ends: [0] for workers (send), [1] for task workers (receive).
struct TaskQueue {
  UniqueFd send_end;
  UniqueFd receive_end;
};
TaskQueue make_task_queue();

// Non-blocking; false with errno (EAGAIN: the queue is full).
bool enqueue_task(int send_end, const TaskJob& job);
// Non-blocking; false with errno when nothing is waiting (EAGAIN) or on error.
bool dequeue_task(int receive_end, TaskJob& job);

// The worker's result socket (abstract name from `run_id` and its pid), non-blocking.
UniqueFd open_result_socket(std::uint64_t run_id, pid_t worker_pid);
// Sends a result to the worker `worker_pid` of run `run_id` from `socket` (any unbound
// SOCK_DGRAM unix socket). Blocks at most ~1 s if the worker's queue is full. False with errno.
bool send_result(int socket, std::uint64_t run_id, pid_t worker_pid, const TaskResult& result);
// Non-blocking; false when nothing is waiting.
bool receive_result(int socket, TaskResult& result);
// An unbound SOCK_DGRAM unix socket to send results from.
UniqueFd open_result_sender();

// What each task worker is doing, for the manager.
struct TaskBoardEntry {
  std::atomic<pid_t> task_worker_pid{0};
  std::atomic<std::uint64_t> task_id{0};  // 0: idle
  std::atomic<pid_t> worker_pid{0};
  std::atomic<std::uint32_t> ms{0};
};

class TaskBoard {
 public:
  // Maps room for `slots` entries, shared with every process forked afterwards.
  explicit TaskBoard(int slots);
  ~TaskBoard();
  TaskBoard(const TaskBoard&) = delete;
  TaskBoard& operator=(const TaskBoard&) = delete;

  TaskBoardEntry& entry(int slot) { return entries_[slot]; }

 private:
  TaskBoardEntry* entries_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace archbench::reactor
