#include "servers/reactor/worker.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "servers/core/clock.h"
#include "servers/core/server_log.h"
#include "servers/core/stop_signal.h"
#include "servers/reactor/signal_pipe.h"
#include "servers/reactor/task_ipc.h"

namespace archbench::reactor {
namespace {

constexpr std::uint64_t kStopTag = 1ull << 40;
constexpr std::uint64_t kSignalTag = kStopTag + 1;
constexpr std::uint64_t kResultTag = kStopTag + 2;
constexpr int kMaxEvents = 64;
constexpr std::size_t kReadChunk = 256 * 1024;
// At a server stop the whole process tree has 2 s; a worker gets this much to finish.
constexpr std::chrono::milliseconds kStopWait{1000};

}  // namespace

int run_worker(WorkerSetup setup) {
  Worker worker(std::move(setup));
  return worker.run();
}

Worker::Worker(WorkerSetup setup)
    : setup_(std::move(setup)),
      config_(*setup_.config),
      options_(*setup_.options),
      pid_(::getpid()),
      app_(config_),
      writer_(config_.server_name) {
  epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  channels_.resize(setup_.channels.size());
  for (std::size_t r = 0; r < channels_.size(); ++r) {
    channels_[r].fd = std::move(setup_.channels[r]);
    ::fcntl(channels_[r].fd.get(), F_SETFL, O_NONBLOCK);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = r;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, channels_[r].fd.get(), &event);
    channels_[r].interest = EPOLLIN;
  }
  auto watch = [this](int fd, std::uint64_t tag) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = tag;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event);
  };
  watch(stop_fd(), kStopTag);
  watch(signal_pipe_fd(), kSignalTag);
  if (setup_.task_queue >= 0) {
    result_socket_ = open_result_socket(setup_.run_id, pid_);
    watch(result_socket_.get(), kResultTag);
  }
  if (setup_.protocol == Protocol::kEcho || setup_.protocol == Protocol::kEof ||
      setup_.protocol == Protocol::kLength) {
    framed_session_ = make_session(setup_.protocol, config_, Clock::now());
  }
  now_ = read_now();
}

int Worker::run() {
  // The first message on every channel: the reactors start sending work on it.
  for (std::size_t r = 0; r < channels_.size(); ++r) {
    send(static_cast<int>(r), MessageType::kHello, 0, 0, {}, kFlagNone,
         static_cast<std::uint32_t>(pid_));
  }
  flush_channels();
  std::vector<epoll_event> events(kMaxEvents);
  for (;;) {
    std::optional<TimePoint> wake = timers_.next_deadline();
    if (retiring_) wake = earliest(wake, retire_deadline_);
    const int n = ::epoll_wait(epoll_.get(), events.data(), kMaxEvents,
                               timeout_ms_until(wake, Clock::now()));
    if (n < 0 && errno != EINTR) {
      log_line(std::string("worker: epoll_wait: ") + std::strerror(errno));
      return 1;
    }
    now_ = read_now();
    for (int i = 0; i < n; ++i) {
      const std::uint64_t tag = events[i].data.u64;
      if (tag == kStopTag) {
        // The stop pipe stays readable: stop watching it.
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, stop_fd(), nullptr);
        begin_retiring("stopping", std::min(kStopWait, std::chrono::milliseconds(options_.max_wait_ms)),
                       /*stop=*/true);
      } else if (tag == kSignalTag) {
        for (int signal_number : take_signals()) {
          if (signal_number == SIGUSR1) {
            begin_retiring("reload", std::chrono::milliseconds(options_.max_wait_ms), false);
          }
        }
      } else if (tag == kResultTag) {
        on_task_results();
      } else {
        on_channel_event(static_cast<int>(tag), events[i].events);
      }
    }
    fire_timers();
    flush_channels();
    if (!retiring_) continue;
    bool all_gone = true;
    for (const Channel& c : channels_) all_gone = all_gone && c.eof;
    if (all_gone) break;  // nobody left to answer
    if (may_exit()) break;
    if (now_.steady >= retire_deadline_) {
      log_dropped_on_exit();
      break;
    }
  }
  final_flush();
  return 0;
}

void Worker::on_channel_event(int reactor, std::uint32_t events) {
  Channel& c = channels_[reactor];
  if (c.eof) return;
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
    char* into = c.in.prepare(kReadChunk);
    ssize_t n;
    do {
      n = ::recv(c.fd.get(), into, kReadChunk, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
      c.in.commit(static_cast<std::size_t>(n));
      MessageHeader header;
      std::string_view payload;
      while (c.in.next(header, payload)) on_message(reactor, header, payload);
      if (c.in.corrupt()) {
        log_line("worker " + std::to_string(setup_.slot) + ": corrupt message from reactor " +
                 std::to_string(reactor) + "; leaving that channel");
        n = 0;
      }
    }
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
      // The master is gone (or stopped this reactor): nothing from it will come, nothing to it
      // can be delivered. Its sessions are dropped.
      c.eof = true;
      ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, c.fd.get(), nullptr);
      for (auto it = sessions_.begin(); it != sessions_.end();) {
        if (it->second.reactor == reactor) {
          if (it->second.timer != timer::kNoTimer) timers_.cancel(it->second.timer);
          it = sessions_.erase(it);
        } else {
          ++it;
        }
      }
      if (!retiring_) begin_retiring("reactor " + std::to_string(reactor) + " closed its channel",
                                     kStopWait, /*stop=*/true);
      return;
    }
  }
  if (events & EPOLLOUT) dirty_.push_back(reactor);
}

void Worker::send(int reactor, MessageType type, std::uint64_t session, std::uint32_t seq,
                  std::string_view payload, std::uint8_t flags, std::uint32_t extra) {
  Channel& c = channels_[reactor];
  if (c.eof) return;
  MessageHeader header;
  header.session = session;
  header.seq = seq;
  header.extra = extra;
  header.reactor = static_cast<std::uint16_t>(reactor);
  header.type = type;
  header.flags = flags;
  const bool was_empty = c.out.pending() == 0;
  c.out.append(header, payload);
  if (was_empty) dirty_.push_back(reactor);
}

void Worker::flush_channels() {
  std::vector<int> dirty;
  dirty.swap(dirty_);
  for (int reactor : dirty) {
    Channel& c = channels_[reactor];
    if (c.eof || c.out.pending() == 0) continue;
    const MessageWriter::FlushResult result = c.out.flush(c.fd.get());
    std::uint32_t wanted = EPOLLIN;
    if (result == MessageWriter::FlushResult::kBlocked) wanted |= EPOLLOUT;
    if (result == MessageWriter::FlushResult::kError) continue;  // EOF follows on the read side
    if (wanted != c.interest) {
      epoll_event event{};
      event.events = wanted;
      event.data.u64 = static_cast<std::uint64_t>(reactor);
      ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.fd.get(), &event);
      c.interest = wanted;
    }
  }
}

void Worker::begin_retiring(const std::string& why, std::chrono::milliseconds max_wait, bool stop) {
  const TimePoint deadline = now_.steady + max_wait;
  if (stop) stopping_ = true;
  if (retiring_) {
    if (deadline < retire_deadline_) retire_deadline_ = deadline;  // a stop shortens a reload
    return;
  }
  retiring_ = true;
  retire_deadline_ = deadline;
  for (std::size_t r = 0; r < channels_.size(); ++r) {
    send(static_cast<int>(r), MessageType::kRetiring, 0, 0, {});
  }
  if (!stop && setup_.retire_notice >= 0) {
    // Ask the manager for a successor now, not when this process exits: the slot keeps serving.
    const std::int32_t pid = pid_;
    [[maybe_unused]] ssize_t n = ::write(setup_.retire_notice, &pid, sizeof(pid));
  }
  if (!stop) {
    log_line("worker " + std::to_string(setup_.slot) + " (pid " + std::to_string(pid_) +
             "): retiring (" + why + ") after " + std::to_string(handled_) + " requests");
  }
}

bool Worker::may_exit() const {
  for (const Channel& c : channels_) {
    if (!c.eof && (!c.acked || c.out.pending() > 0)) return false;
  }
  if (!deferred_.empty() || !tasks_.empty()) return false;
  return stopping_ || sessions_.empty();
}

void Worker::log_dropped_on_exit() {
  std::string dropped;
  auto add = [&dropped](const std::string& item) {
    if (!dropped.empty()) dropped += ", ";
    dropped += item;
  };
  for (const auto& [tag, d] : deferred_) {
    add("session " + std::to_string(d.session) + " request " + std::to_string(d.seq) +
        " (deferred reply)");
  }
  for (const auto& [id, t] : tasks_) {
    add("session " + std::to_string(t.session) + " request " + std::to_string(t.seq) +
        " (task " + std::to_string(id) + ", " + std::to_string(t.ms) + " ms)");
  }
  for (const auto& [session, s] : sessions_) {
    auto peer = owned_.find(session);
    add("session " + std::to_string(session) + " (" +
        (peer != owned_.end() ? peer->second : std::string("?")) + ", stateful)");
  }
  for (std::size_t r = 0; r < channels_.size(); ++r) {
    if (!channels_[r].eof && !channels_[r].acked) {
      add("reactor " + std::to_string(r) + " never acknowledged the retirement");
    }
  }
  log_line("worker " + std::to_string(setup_.slot) + " (pid " + std::to_string(pid_) +
           "): max wait over; exiting" + (dropped.empty() ? "" : " and dropping: " + dropped));
}

// Last replies out before exit: the channels are non-blocking, so wait (briefly) for room.
void Worker::final_flush() {
  const TimePoint until = Clock::now() + std::chrono::milliseconds(200);
  for (std::size_t r = 0; r < channels_.size(); ++r) {
    Channel& c = channels_[r];
    while (!c.eof && c.out.pending() > 0 && Clock::now() < until) {
      if (c.out.flush(c.fd.get()) != MessageWriter::FlushResult::kBlocked) break;
      pollfd p{c.fd.get(), POLLOUT, 0};
      ::poll(&p, 1, 20);
    }
  }
}

void Worker::fire_timers() {
  std::vector<timer::Fired> fired;
  timers_.pop_due(now_.steady, fired);
  for (const timer::Fired& f : fired) {
    if (f.tag & kDeferredTag) {
      auto deferred = deferred_.find(f.tag);
      if (deferred == deferred_.end()) continue;
      Deferred d = std::move(deferred->second);
      deferred_.erase(deferred);
      reply_http(d.reactor, d.session, d.seq, d.response, d.framing);
      continue;
    }
    if (f.tag & kTaskTag) {
      const std::uint64_t task_id = f.tag & ~kTaskTag;
      auto task = tasks_.find(task_id);
      if (task == tasks_.end() || task->second.timeout != f.id) continue;
      finish_task(task_id, 504,
                  "task " + std::to_string(task_id) + " got no result in time (its task worker "
                  "may have died, or the queue is too long)");
      continue;
    }
    // A stateful session's deadline (the tag is the session id).
    auto it = sessions_.find(f.tag);
    if (it == sessions_.end() || it->second.timer != f.id) continue;
    Stateful& state = it->second;
    state.timer = timer::kNoTimer;
    state.deadline.reset();
    state.session->on_deadline(now_, out_);
    emit(f.tag, state);
  }
}

}  // namespace archbench::reactor
