#include "servers/reactor/master.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "servers/core/accept.h"
#include "servers/core/clock.h"
#include "servers/core/server_log.h"
#include "servers/core/stop_signal.h"
#include "servers/process/child_exit_pipe.h"
#include "servers/process/child_processes.h"
#include "servers/reactor/control_channel.h"
#include "servers/reactor/dispatcher.h"
#include "servers/reactor/signal_pipe.h"

namespace archbench::reactor {
namespace {

using std::chrono::milliseconds;

constexpr int kAcceptBatch = 128;
constexpr milliseconds kStartTimeout{10000};
// The stop budget (DESIGN.md: exit within 2 s): reactors answer what is in flight for up to
// kDrainTime, then the manager gets until kManagerDeadline to reap its children and exit.
constexpr milliseconds kDrainTime{1200};
constexpr milliseconds kManagerDeadline{1750};

}  // namespace

Master::Master(MasterShared& shared, ListenSocket& listener, UniqueFd control, pid_t manager)
    : shared_(shared), listener_(listener), control_(std::move(control)), manager_(manager) {}

int Master::run() {
  for (int i = 0; i < shared_.options.reactors; ++i) {
    reactors_.push_back(std::make_unique<ReactorThread>(i, shared_));
    reactors_.back()->start();
  }
  if (!wait_for_workers()) return stop(stop_requested() ? 0 : 1);
  set_nonblocking(listener_.fd.get());
  announce_ready(listener_);

  for (;;) {
    pollfd fds[5] = {
        {stop_fd(), POLLIN, 0},
        {control_.get(), POLLIN, 0},
        {signal_pipe_fd(), POLLIN, 0},
        {process::child_exit_fd(), POLLIN, 0},
        {accept_pause_.paused() ? -1 : listener_.fd.get(), POLLIN, 0},
    };
    const int n = ::poll(fds, 5, timeout_ms_until(accept_pause_.deadline(), Clock::now()));
    if (n < 0 && errno != EINTR) {
      log_line(std::string("reactor master: poll: ") + std::strerror(errno));
      return stop(1);
    }
    if (stop_requested()) return stop(0);
    if (n <= 0) continue;  // the pause after running out of descriptors is over (or EINTR)
    if (fds[1].revents) take_announcements();
    if (fds[2].revents) {
      for (int signal_number : take_signals()) {
        log_line(std::string("reactor master: ") +
                 (signal_number == SIGUSR1 ? "SIGUSR1: reloading workers"
                                           : "SIGUSR2: reloading task workers") +
                 " one by one");
        ::kill(manager_, signal_number);
      }
    }
    if (fds[3].revents && manager_ended()) {
      log_line("reactor master: the manager (pid " + std::to_string(manager_) + ") " +
               process::describe_exit(manager_status_) + "; stopping");
      return stop(1);
    }
    if (fds[4].revents) accept_batch();
  }
}

// The first incarnation of every worker slot, attached to every reactor thread, before READY: a
// client that connects right after READY then finds every worker ready to serve it (it would
// only wait, not fail, otherwise; but dispatch would be lopsided for the first requests).
bool Master::wait_for_workers() {
  const auto deadline = Clock::now() + kStartTimeout;
  const std::uint64_t expected =
      static_cast<std::uint64_t>(shared_.options.workers) * static_cast<std::uint64_t>(reactors_.size());
  while (announced_ < shared_.options.workers || hellos_ < expected) {
    pollfd fds[4] = {{stop_fd(), POLLIN, 0},
                     {control_.get(), POLLIN, 0},
                     {process::child_exit_fd(), POLLIN, 0},
                     {shared_.hellos.get(), POLLIN, 0}};
    const int n = ::poll(fds, 4, timeout_ms_until(deadline, Clock::now()));
    if (stop_requested()) return false;
    if (n == 0) {
      log_line("reactor master: workers did not start within " +
               std::to_string(kStartTimeout.count()) + " ms");
      return false;
    }
    if (fds[1].revents) take_announcements();
    if (fds[2].revents && manager_ended()) {
      log_line("reactor master: the manager " + process::describe_exit(manager_status_) +
               " during start-up");
      return false;
    }
    std::uint64_t count = 0;
    if (fds[3].revents && ::read(shared_.hellos.get(), &count, sizeof(count)) == sizeof(count)) {
      hellos_ += count;
    }
  }
  return true;
}

void Master::take_announcements() {
  for (;;) {
    ReceivedAnnouncement received = receive_announcement(control_.get());
    if (received.kind == ReceivedAnnouncement::Kind::kNothing) return;
    if (received.kind != ReceivedAnnouncement::Kind::kAnnouncement) {
      if (received.kind == ReceivedAnnouncement::Kind::kError) {
        log_line(std::string("reactor master: control channel: ") + std::strerror(received.error));
      }
      return;  // closed: the manager is ending; SIGCHLD tells the rest
    }
    const WorkerAnnouncement& a = received.announcement;
    if (received.fds.size() != reactors_.size()) {
      log_line("reactor master: worker pid " + std::to_string(a.pid) + " came with " +
               std::to_string(received.fds.size()) + " channels for " +
               std::to_string(reactors_.size()) + " reactors; ignored");
      continue;
    }
    ++announced_;
    for (std::size_t r = 0; r < reactors_.size(); ++r) {
      NewLink link;
      link.slot = static_cast<int>(a.slot);
      link.generation = a.generation;
      link.pid = a.pid;
      link.channel = std::move(received.fds[r]);
      reactors_[r]->hand_link(std::move(link));
    }
  }
}

// Out of descriptors (EMFILE/ENFILE): every client descriptor lives in this master process (the
// reactor threads own them; workers only see messages), so this is where the limit bites. The
// main thread is a poll() loop like event_loop's, and the same remedy fits: the reserve
// descriptor accepts the client and closes it at once, so the queue drains, poll() goes quiet and
// the client sees a close; the reactor threads keep serving the connections they have. Sleeping
// here instead would also stall signals, reloads and worker announcements, and a client left in
// the backlog would wait for a descriptor nobody promises to free. When the reserve cannot help
// (ENFILE with the slot taken elsewhere, ENOBUFS, or a reactor thread took the slot), the listen
// socket leaves the poll set for a bounded, growing pause. One log line per episode.
void Master::accept_batch() {
  for (int i = 0; i < kAcceptBatch; ++i) {
    AcceptResult accepted = accept_connection(listener_.fd.get(), SocketMode::kNonBlocking);
    switch (accepted.kind) {
      case AcceptResult::Kind::kAccepted: {
        exhaustion_.accepted();
        set_no_delay(accepted.fd.get());
        NewConnection c;
        c.address_key = client_address_key(accepted.fd.get());
        c.socket = std::move(accepted.fd);
        c.peer = std::move(accepted.peer);
        c.session = next_session_++;
        reactors_[next_reactor_]->hand_connection(std::move(c));
        next_reactor_ = (next_reactor_ + 1) % reactors_.size();
        break;
      }
      case AcceptResult::Kind::kNothingPending:
        return;
      case AcceptResult::Kind::kTransient:
        break;
      case AcceptResult::Kind::kOutOfDescriptors: {
        const ExhaustionRefuser::Next next = exhaustion_.out_of_descriptors(
            listener_.fd.get(), accepted.error,
            std::to_string(next_session_ - 1) + " connections accepted so far");
        if (next.step == ExhaustionRefuser::Next::Step::kAcceptAgain) break;  // one refused
        if (next.step == ExhaustionRefuser::Next::Step::kPause) {
          accept_pause_.pause_for(next.pause);
        }
        return;  // queue empty (poll reports the next client) or paused
      }
      case AcceptResult::Kind::kFatal:
        log_line(std::string("reactor master: accept: ") + std::strerror(accepted.error));
        return;
    }
  }
}

bool Master::manager_ended() {
  process::drain_child_exit_pipe();
  if (manager_reaped_) return true;
  int status = 0;
  const pid_t pid = ::waitpid(manager_, &status, WNOHANG);
  if (pid == manager_) {
    manager_reaped_ = true;
    manager_status_ = status;
  }
  return manager_reaped_;
}

int Master::stop(int code) {
  const auto started = Clock::now();
  listener_.fd.reset();  // new clients are refused from now on
  if (!manager_reaped_) ::kill(manager_, SIGTERM);
  for (auto& reactor : reactors_) reactor->request_stop(started + kDrainTime);
  for (auto& reactor : reactors_) reactor->join();
  // The manager has been stopping its children meanwhile; give it the rest of the budget.
  while (!manager_ended() && Clock::now() < started + kManagerDeadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  if (!manager_reaped_) {
    log_line("reactor master: the manager did not stop in time; SIGKILL");
    ::kill(manager_, SIGKILL);
    ::waitpid(manager_, &manager_status_, 0);
    manager_reaped_ = true;
  }
  log_line("reactor: stopped");
  return code;
}

}  // namespace archbench::reactor
