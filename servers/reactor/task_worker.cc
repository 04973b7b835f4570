#include "servers/reactor/task_worker.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "servers/core/server_log.h"
#include "servers/core/stop_signal.h"

namespace archbench::reactor {

int run_task_worker(const TaskWorkerSetup& setup) {
  const pid_t pid = ::getpid();
  setup.board->task_worker_pid.store(pid);
  setup.board->task_id.store(0);
  UniqueFd sender = open_result_sender();
  while (!stop_requested()) {
    pollfd fds[2] = {{setup.queue, POLLIN, 0}, {stop_fd(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) {
      log_line(std::string("task worker: poll: ") + std::strerror(errno));
      return 1;
    }
    if (stop_requested()) break;
    if ((fds[0].revents & POLLIN) == 0) {
      if (fds[0].revents & (POLLHUP | POLLERR)) return 0;  // the queue is gone
      continue;
    }
    TaskJob job;
    if (!dequeue_task(setup.queue, job)) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) continue;  // another task worker was faster
      if (errno == EPROTO) return 0;
      log_line(std::string("task worker: recv: ") + std::strerror(errno));
      return 1;
    }
    setup.board->worker_pid.store(job.worker_pid);
    setup.board->ms.store(job.ms);
    setup.board->task_id.store(job.task_id);
    if (trace_enabled()) {
      log_line("trace: task " + std::to_string(job.task_id) + " of worker pid " +
               std::to_string(job.worker_pid) + " ms=" + std::to_string(job.ms) +
               " task_worker pid=" + std::to_string(pid));
    }
    // The work: sleep_until is not cut short by a signal (it resumes after EINTR), so a SIGTERM
    // arriving now lets the job finish.
    const auto started = std::chrono::steady_clock::now();
    std::this_thread::sleep_until(started + std::chrono::milliseconds(job.ms));
    TaskResult result;
    result.task_id = job.task_id;
    result.task_worker_pid = pid;
    result.worked_ms = static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                              started)
            .count());
    result.status = TaskResult::kDone;
    if (!send_result(sender.get(), setup.run_id, job.worker_pid, result)) {
      log_line("task worker " + std::to_string(setup.slot) + " (pid " + std::to_string(pid) +
               "): result of task " + std::to_string(job.task_id) + " for worker pid " +
               std::to_string(job.worker_pid) + " undeliverable: " + std::strerror(errno));
    }
    setup.board->task_id.store(0);
  }
  return 0;
}

}  // namespace archbench::reactor
