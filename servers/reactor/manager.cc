#include "servers/reactor/manager.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "servers/core/server_log.h"
#include "servers/core/stop_signal.h"
#include "servers/process/child_exit_pipe.h"
#include "servers/reactor/control_channel.h"
#include "servers/reactor/signal_pipe.h"
#include "servers/reactor/task_worker.h"
#include "servers/reactor/worker.h"

namespace archbench::reactor {
namespace {

using std::chrono::milliseconds;

// Beyond --max-wait-ms (which the retiring process enforces itself), before SIGKILL.
constexpr milliseconds kRetireSlack{1000};
constexpr milliseconds kForkRetry{100};
// Server stop: the whole tree has 2 s; the manager's children get this long before SIGKILL.
constexpr milliseconds kStopGrace{1200};
// The respawn brake: at most this many respawns of one slot per second.
constexpr std::size_t kRespawnsPerSecond = 5;
constexpr milliseconds kRespawnWindow{1000};

}  // namespace

int run_manager(ManagerSetup setup) {
  Manager manager(std::move(setup));
  return manager.run();
}

Manager::Manager(ManagerSetup setup)
    : setup_(std::move(setup)),
      options_(*setup_.options),
      workers_(static_cast<std::size_t>(options_.workers)),
      task_workers_(static_cast<std::size_t>(options_.task_workers)),
      task_board_index_(static_cast<std::size_t>(options_.task_workers), 0),
      recent_respawns_(static_cast<std::size_t>(options_.workers + options_.task_workers)) {
  process::install_child_exit_pipe();
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw std::system_error(errno, std::generic_category(), "retire notice pipe");
  }
  retire_read_.reset(fds[0]);
  retire_write_.reset(fds[1]);
  ::fcntl(retire_read_.get(), F_SETFL, O_NONBLOCK);
  if (options_.task_workers > 0) {
    task_queue_ = make_task_queue();
    // Two board entries per task slot: during a reload the old and the new process of a slot
    // both run, each with its own entry.
    board_ = std::make_unique<TaskBoard>(2 * options_.task_workers);
    result_sender_ = open_result_sender();
  }
}

int Manager::run() {
  for (int s = 0; s < options_.workers; ++s) spawn_worker(s);
  for (int s = 0; s < options_.task_workers; ++s) spawn_task_worker(s);
  while (!stop_requested()) {
    pollfd fds[4] = {{stop_fd(), POLLIN, 0},
                     {process::child_exit_fd(), POLLIN, 0},
                     {signal_pipe_fd(), POLLIN, 0},
                     {retire_read_.get(), POLLIN, 0}};
    const int n = ::poll(fds, 4, timeout_ms_until(next_wake(), Clock::now()));
    if (n < 0 && errno != EINTR) {
      log_line(std::string("manager: poll: ") + std::strerror(errno));
      break;
    }
    if (stop_requested()) break;
    if (fds[1].revents) on_child_exits();
    if (fds[3].revents) on_retire_notices();
    if (fds[2].revents) on_signals();
    if (retry_at_ && Clock::now() >= *retry_at_) {
      retry_at_.reset();
      std::vector<int> workers, tasks;
      workers.swap(respawn_pending_);
      tasks.swap(task_respawn_pending_);
      for (int s : workers) spawn_worker(s);
      for (int s : tasks) spawn_task_worker(s);
    }
    enforce_deadlines();
  }
  // Stop: every worker retires at once (SIGTERM), task workers finish the job in hand.
  for (const process::ChildExit& e : children_.stop_all(kStopGrace)) {
    for (std::size_t s = 0; s < task_workers_.size(); ++s) {
      if (task_workers_[s].pid == e.pid && board_) {
        report_lost_task(task_board_index_[s], e.pid, "stopped with the server");
      }
    }
  }
  return 0;
}

std::optional<TimePoint> Manager::next_wake() const {
  std::optional<TimePoint> wake = retry_at_;
  for (const auto& [pid, r] : retirees_) {
    if (!r.killed) wake = earliest(wake, r.deadline);
  }
  return wake;
}

void Manager::spawn_worker(int slot) {
  const int reactors = options_.reactors;
  std::vector<UniqueFd> master_ends, worker_ends;
  for (int r = 0; r < reactors; ++r) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
      log_line(std::string("manager: socketpair: ") + std::strerror(errno));
      respawn_pending_.push_back(slot);
      retry_at_ = earliest(retry_at_, Clock::now() + kForkRetry);
      return;
    }
    master_ends.emplace_back(fds[0]);
    worker_ends.emplace_back(fds[1]);
  }
  const std::uint32_t generation = workers_[slot].generation + 1;
  const pid_t pid = fork_with_private_signal_pipe([&]() -> int {
    // The child keeps its channel ends, the task queue's sending end and the notice pipe.
    for (UniqueFd& end : master_ends) ::close(end.release());
    ::close(setup_.control.release());
    ::close(retire_read_.release());
    if (task_queue_.receive_end) ::close(task_queue_.receive_end.release());
    WorkerSetup worker;
    worker.slot = slot;
    worker.generation = generation;
    worker.channels = std::move(worker_ends);
    worker.task_queue = task_queue_.send_end ? task_queue_.send_end.get() : -1;
    worker.retire_notice = retire_write_.get();
    worker.run_id = setup_.run_id;
    worker.protocol = setup_.protocol;
    worker.config = setup_.config;
    worker.options = setup_.options;
    return run_worker(std::move(worker));
  });
  if (pid < 0) {
    log_line(std::string("manager: fork: ") + std::strerror(errno) + "; retrying worker " +
             std::to_string(slot));
    respawn_pending_.push_back(slot);
    retry_at_ = earliest(retry_at_, Clock::now() + kForkRetry);
    return;
  }
  worker_ends.clear();  // the worker holds them now; our copies would hide its EOF
  workers_[slot] = Slot{pid, generation};
  children_.add(pid);
  // Logged before the master hears of it, so the line precedes anything the worker serves.
  if (trace_enabled()) {
    log_line("trace: manager started worker " + std::to_string(slot) + " pid=" +
             std::to_string(pid) + " generation=" + std::to_string(generation));
  }
  std::vector<int> fds;
  for (const UniqueFd& end : master_ends) fds.push_back(end.get());
  if (!send_announcement(setup_.control.get(), WorkerAnnouncement{static_cast<std::uint32_t>(slot),
                                                                  generation, pid},
                         fds)) {
    log_line(std::string("manager: control channel: ") + std::strerror(errno));
  }
}

void Manager::spawn_task_worker(int slot) {
  // Alternate between the slot's two board entries (see the constructor).
  const int board_index = task_workers_[slot].generation % 2 == 0 ? slot : slot + options_.task_workers;
  const std::uint32_t generation = task_workers_[slot].generation + 1;
  TaskBoardEntry* entry = &board_->entry(board_index);
  entry->task_id.store(0);
  const pid_t pid = fork_with_private_signal_pipe([&]() -> int {
    ::close(setup_.control.release());
    ::close(retire_read_.release());
    ::close(retire_write_.release());
    ::close(task_queue_.send_end.release());
    TaskWorkerSetup task;
    task.slot = slot;
    task.queue = task_queue_.receive_end.get();
    task.run_id = setup_.run_id;
    task.board = entry;
    return run_task_worker(task);
  });
  if (pid < 0) {
    log_line(std::string("manager: fork: ") + std::strerror(errno) + "; retrying task worker " +
             std::to_string(slot));
    task_respawn_pending_.push_back(slot);
    retry_at_ = earliest(retry_at_, Clock::now() + kForkRetry);
    return;
  }
  task_workers_[slot] = Slot{pid, generation};
  task_board_index_[slot] = board_index;
  children_.add(pid);
}

void Manager::on_child_exits() {
  process::drain_child_exit_pipe();
  for (const process::ChildExit& e : children_.reap_ended()) {
    auto retiree = retirees_.find(e.pid);
    if (retiree != retirees_.end()) {
      const Retiree r = retiree->second;
      retirees_.erase(retiree);
      log_line("manager: " + std::string(kind_name(r.kind)) + " " + std::to_string(r.slot) +
               " (pid " + std::to_string(e.pid) + ") retired, " + process::describe_exit(e.status));
      if (r.kind == Kind::kTaskWorker) report_lost_task(r.board_index, e.pid, "killed");
      if (e.pid == reloading_) {
        reloading_ = 0;
        start_next_reload();
      }
      continue;
    }
    for (std::size_t s = 0; s < workers_.size(); ++s) {
      if (workers_[s].pid != e.pid) continue;
      workers_[s].pid = 0;
      const bool now = respawn_allowed(s);
      log_line("manager: worker " + std::to_string(s) + " (pid " + std::to_string(e.pid) + ") " +
               process::describe_exit(e.status) + (now ? "; respawning" : "; respawning after a pause"));
      if (now) {
        spawn_worker(static_cast<int>(s));
      } else {
        respawn_pending_.push_back(static_cast<int>(s));
        retry_at_ = earliest(retry_at_, Clock::now() + kRespawnWindow);
      }
    }
    for (std::size_t s = 0; s < task_workers_.size(); ++s) {
      if (task_workers_[s].pid != e.pid) continue;
      task_workers_[s].pid = 0;
      const bool now = respawn_allowed(workers_.size() + s);
      log_line("manager: task worker " + std::to_string(s) + " (pid " + std::to_string(e.pid) +
               ") " + process::describe_exit(e.status) +
               (now ? "; respawning" : "; respawning after a pause"));
      report_lost_task(task_board_index_[s], e.pid, "died");
      if (now) {
        spawn_task_worker(static_cast<int>(s));
      } else {
        task_respawn_pending_.push_back(static_cast<int>(s));
        retry_at_ = earliest(retry_at_, Clock::now() + kRespawnWindow);
      }
    }
  }
}

bool Manager::respawn_allowed(std::size_t index) {
  std::deque<TimePoint>& recent = recent_respawns_[index];
  const TimePoint now = Clock::now();
  while (!recent.empty() && now - recent.front() > kRespawnWindow) recent.pop_front();
  if (recent.size() >= kRespawnsPerSecond) return false;
  recent.push_back(now);
  return true;
}

void Manager::report_lost_task(int board_index, pid_t task_worker, const char* how) {
  if (!board_) return;
  TaskBoardEntry& entry = board_->entry(board_index);
  const std::uint64_t task_id = entry.task_id.exchange(0);
  if (task_id == 0) return;
  const pid_t worker = entry.worker_pid.load();
  log_line("manager: task worker pid " + std::to_string(task_worker) + " " + how +
           " while running task " + std::to_string(task_id) + " (" +
           std::to_string(entry.ms.load()) + " ms) of worker pid " + std::to_string(worker) +
           "; that task is dropped and its worker answers 503");
  TaskResult lost;
  lost.task_id = task_id;
  lost.task_worker_pid = task_worker;
  lost.status = TaskResult::kDropped;
  send_result(result_sender_.get(), setup_.run_id, worker, lost);
}

void Manager::on_retire_notices() {
  std::int32_t pids[64];
  for (;;) {
    const ssize_t n = ::read(retire_read_.get(), pids, sizeof(pids));
    if (n <= 0) return;
    for (std::size_t i = 0; i < static_cast<std::size_t>(n) / sizeof(std::int32_t); ++i) {
      for (std::size_t s = 0; s < workers_.size(); ++s) {
        if (workers_[s].pid != pids[i]) continue;  // a reload already replaced it
        retirees_[pids[i]] = Retiree{Kind::kWorker, static_cast<int>(s),
                                     Clock::now() + milliseconds(options_.max_wait_ms) + kRetireSlack};
        spawn_worker(static_cast<int>(s));
      }
    }
  }
}

void Manager::on_signals() {
  for (int signal_number : take_signals()) {
    const Kind kind = signal_number == SIGUSR1 ? Kind::kWorker : Kind::kTaskWorker;
    const std::size_t slots = kind == Kind::kWorker ? workers_.size() : task_workers_.size();
    log_line(std::string("manager: reloading ") + std::to_string(slots) + " " + kind_name(kind) +
             (slots == 1 ? "" : "s") + " one by one");
    for (std::size_t s = 0; s < slots; ++s) {
      const auto step = std::make_pair(kind, static_cast<int>(s));
      if (std::find(reload_queue_.begin(), reload_queue_.end(), step) == reload_queue_.end()) {
        reload_queue_.push_back(step);
      }
    }
  }
  start_next_reload();
}

// One slot at a time: the successor starts first, then the old process is asked to retire; the
// next slot waits until it has exited.
void Manager::start_next_reload() {
  while (reloading_ == 0 && !reload_queue_.empty()) {
    const auto [kind, slot] = reload_queue_.front();
    reload_queue_.pop_front();
    Slot& current = kind == Kind::kWorker ? workers_[slot] : task_workers_[slot];
    const pid_t old = current.pid;
    if (old == 0 || retirees_.count(old) != 0) continue;
    Retiree r{kind, slot, Clock::now() + milliseconds(options_.max_wait_ms) + kRetireSlack};
    if (kind == Kind::kWorker) {
      spawn_worker(slot);
      ::kill(old, SIGUSR1);
    } else {
      r.board_index = task_board_index_[slot];
      spawn_task_worker(slot);
      ::kill(old, SIGTERM);
    }
    retirees_[old] = r;
    reloading_ = old;
  }
}

void Manager::enforce_deadlines() {
  const TimePoint now = Clock::now();
  for (auto& [pid, r] : retirees_) {
    if (r.killed || now < r.deadline) continue;
    r.killed = true;
    std::string what;
    if (r.kind == Kind::kTaskWorker && board_) {
      const TaskBoardEntry& entry = board_->entry(r.board_index);
      if (const std::uint64_t task = entry.task_id.load(); task != 0) {
        what = "; it was running task " + std::to_string(task) + " (" +
               std::to_string(entry.ms.load()) + " ms) of worker pid " +
               std::to_string(entry.worker_pid.load());
      }
    } else {
      what = "; the reactors name what it still owed";
    }
    log_line("manager: " + std::string(kind_name(r.kind)) + " " + std::to_string(r.slot) +
             " (pid " + std::to_string(pid) + ") did not retire within " +
             std::to_string(options_.max_wait_ms + kRetireSlack.count()) + " ms; SIGKILL" + what);
    ::kill(pid, SIGKILL);
  }
}

}  // namespace archbench::reactor
