#include "servers/reactor/reactor_thread.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "servers/core/clock.h"
#include "servers/core/server_log.h"

namespace archbench::reactor {
namespace {

constexpr int kMaxEvents = 256;
constexpr std::uint64_t kWakeTag = std::uint64_t{1} << 63;
constexpr std::uint64_t kLinkTag = std::uint64_t{1} << 62;
constexpr std::uint64_t kSweepTag = 0;

// How often the idle sweep runs, or nullopt for never. The heartbeat (Swoole's) is checked every
// --heartbeat-check-ms. HTTP's keep-alive timeout is checked every quarter of it, at most once a
// second, so a connection closes between 1 and 1.25 times the limit after it went quiet (or up
// to a second late). The trade-off, as in Swoole: one O(connections) scan per period instead of
// a timer per idle connection, which c10k's 10,000 idle connections would pay for.
std::optional<std::chrono::milliseconds> sweep_period(const MasterShared& shared) {
  std::optional<std::chrono::milliseconds> period;
  if (shared.options.heartbeat_enabled()) {
    period = std::chrono::milliseconds(shared.options.heartbeat_check_ms);
  }
  const std::chrono::milliseconds keepalive = shared.config.keepalive_timeout;
  const bool http = shared.protocol == Protocol::kHttp || shared.protocol == Protocol::kWebSocket;
  if (http && keepalive.count() > 0) {
    const std::chrono::milliseconds check =
        std::clamp(keepalive / 4, std::chrono::milliseconds(1), std::chrono::milliseconds(1000));
    period = period ? std::min(*period, check) : check;
  }
  return period;
}

}  // namespace

ReactorThread::ReactorThread(int index, MasterShared& shared)
    : index_(index),
      shared_(shared),
      dispatcher_(shared.options.mode(), shared.options.workers),
      writer_(shared.config.server_name),
      active_by_slot_(static_cast<std::size_t>(shared.options.workers), nullptr),
      available_(static_cast<std::size_t>(shared.options.workers), false) {
  epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  wake_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!epoll_ || !wake_) throw std::system_error(errno, std::generic_category(), "reactor setup");
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kWakeTag;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_.get(), &event);
  now_ = read_now();
}

ReactorThread::~ReactorThread() { join(); }

void ReactorThread::start() {
  // Signals are the main thread's business: block them all in the reactor thread (it inherits
  // the mask in effect when it is created), then restore the caller's.
  sigset_t all, previous;
  sigfillset(&all);
  ::pthread_sigmask(SIG_BLOCK, &all, &previous);
  thread_ = std::thread([this] { run(); });
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

void ReactorThread::join() {
  if (thread_.joinable()) thread_.join();
}

void ReactorThread::hand_connection(NewConnection connection) {
  {
    std::lock_guard<std::mutex> lock(inbox_mutex_);
    inbox_connections_.push_back(std::move(connection));
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof(one));
}

void ReactorThread::hand_link(NewLink link) {
  {
    std::lock_guard<std::mutex> lock(inbox_mutex_);
    inbox_links_.push_back(std::move(link));
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof(one));
}

void ReactorThread::request_stop(TimePoint deadline) {
  {
    std::lock_guard<std::mutex> lock(inbox_mutex_);
    inbox_stop_ = deadline;
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof(one));
}

void ReactorThread::run() {
  if (const auto period = sweep_period(shared_)) {
    timers_.tick(Clock::now(), *period, timer::kForever, kSweepTag);
  }
  std::vector<epoll_event> events(kMaxEvents);
  for (;;) {
    std::optional<TimePoint> wake = timers_.next_deadline();
    if (stopping_) wake = earliest(wake, stop_deadline_);
    const int n = ::epoll_wait(epoll_.get(), events.data(), kMaxEvents,
                               timeout_ms_until(wake, Clock::now()));
    if (n < 0 && errno != EINTR) {
      log_line(std::string("reactor: epoll_wait: ") + std::strerror(errno));
      break;
    }
    now_ = read_now();
    for (int i = 0; i < n; ++i) {
      const std::uint64_t tag = events[i].data.u64;
      const std::uint32_t happened = events[i].events;
      if (tag == kWakeTag) {
        take_inbox();
      } else if (tag & kLinkTag) {
        if (WorkerLink* l = link(static_cast<std::uint32_t>(tag & ~kLinkTag))) {
          on_link_event(*l, happened);
        }
      } else if (ClientEntry* entry = find(tag)) {
        on_client_event(*entry, happened);
      }
    }
    fire_timers();
    sync_touched();  // may queue close events for owners
    flush_links();   // one write per worker channel for everything queued this turn
    sync_touched();  // a worker that died in the flush may have closed connections
    if (stopping_ && (clients_.empty() || now_.steady >= stop_deadline_)) break;
  }
  // Whatever is still open at the deadline is closed without more waiting.
  for (auto& [session, entry] : clients_) entry.connection->close_now();
  clients_.clear();
  links_.clear();  // closing our channel ends: the workers see EOF
}

void ReactorThread::take_inbox() {
  std::uint64_t count;
  [[maybe_unused]] ssize_t n = ::read(wake_.get(), &count, sizeof(count));
  std::vector<NewConnection> connections;
  std::vector<NewLink> new_links;
  std::optional<TimePoint> stop;
  {
    std::lock_guard<std::mutex> lock(inbox_mutex_);
    connections.swap(inbox_connections_);
    new_links.swap(inbox_links_);
    stop = inbox_stop_;
    inbox_stop_.reset();
  }
  // Channels first: a connection that arrives in the same batch can use them at once.
  for (NewLink& l : new_links) adopt_link(std::move(l));
  for (NewConnection& c : connections) adopt_connection(std::move(c));
  if (stop && !stopping_) {
    stop_deadline_ = *stop;
    begin_stop();
  }
}

void ReactorThread::adopt_connection(NewConnection incoming) {
  if (stopping_) return;  // closes the socket: the server is going away
  const std::uint64_t session = incoming.session;
  trace_connection("serve", incoming.peer + " session=" + std::to_string(session) +
                                " reactor=" + std::to_string(index_));
  auto connection = std::make_unique<ClientConnection>(
      *this, session, std::move(incoming.socket), std::move(incoming.peer), incoming.address_key,
      make_splitter(shared_.protocol, shared_.config, writer_));
  ClientConnection& c = *connection;
  c.pinned = starts_streaming(shared_.protocol);
  ClientEntry& entry = clients_[session];
  entry.connection = std::move(connection);
  assign_owner(c, /*migrated=*/false);
  touch(c);
}

void ReactorThread::on_client_event(ClientEntry& entry, std::uint32_t events) {
  ClientConnection& c = *entry.connection;
  if (c.is_closed()) return;
  if (events & EPOLLERR) {
    c.close_now();
  } else {
    if (events & (EPOLLIN | EPOLLHUP)) c.on_readable();
    if (events & (EPOLLOUT | EPOLLHUP)) c.on_writable();
    // Hung up both ways: nothing can reach the client any more (and a level-triggered HUP
    // would wake us forever).
    if (events & EPOLLHUP) c.close_now();
  }
  touch(c);
}

ReactorThread::ClientEntry* ReactorThread::find(std::uint64_t session) {
  auto it = clients_.find(session);
  return it == clients_.end() ? nullptr : &it->second;
}

void ReactorThread::touch(ClientConnection& c) {
  ClientEntry* entry = find(c.session());
  if (entry == nullptr || entry->touched) return;
  entry->touched = true;
  touched_.push_back(c.session());
}

// Brings epoll in line with what each touched connection wants, and forgets closed ones.
void ReactorThread::sync_touched() {
  std::vector<std::uint64_t> touched;
  touched.swap(touched_);
  for (std::uint64_t session : touched) {
    auto it = clients_.find(session);
    if (it == clients_.end()) continue;
    ClientEntry& entry = it->second;
    entry.touched = false;
    ClientConnection& c = *entry.connection;
    if (c.is_closed()) {
      forget(entry);
      clients_.erase(it);
      continue;
    }
    const std::uint32_t wanted = (c.wants_read() ? EPOLLIN : 0u) | (c.wants_write() ? EPOLLOUT : 0u);
    if (entry.interest == 0 || wanted != (entry.interest & ~(1u << 30))) {
      epoll_event event{};
      event.events = wanted;
      event.data.u64 = session;
      const int op = entry.interest == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
      if (::epoll_ctl(epoll_.get(), op, c.fd(), &event) != 0) {
        log_line(std::string("reactor: epoll_ctl: ") + std::strerror(errno));
      }
      entry.interest = wanted | (1u << 30);  // bit 30: registered
    }
  }
}

// The connection is closed: tell its owner, so the worker drops what it kept for it.
void ReactorThread::forget(ClientEntry& entry) {
  ClientConnection& c = *entry.connection;
  if (WorkerLink* owner = link(c.owner_link); owner && owner->state != WorkerLink::State::kGone) {
    send_to(*owner, MessageType::kClose, c.session(), 0, {});
  }
}

void ReactorThread::schedule(ClientConnection& c, TimePoint when) {
  timers_.after(now_.steady, when - now_.steady, c.session());
}

void ReactorThread::fire_timers() {
  std::vector<timer::Fired> fired;
  timers_.pop_due(now_.steady, fired);
  for (const timer::Fired& f : fired) {
    if (f.tag == kSweepTag) {
      sweep_idle();
    } else if (ClientEntry* entry = find(f.tag)) {
      entry->connection->on_deadline();
      touch(*entry->connection);
    }
  }
}

// Closes connections that have been quiet (no byte either way, nothing owed) too long: any
// connection after the heartbeat's idle time (with a log line, as Swoole's heartbeat is a
// policy worth seeing), an HTTP connection between requests after the keep-alive timeout
// (silently: that is routine). Unlike HttpSession, which restarts the keep-alive clock only at
// a reply, this counts any byte either way as activity, empty lines included.
void ReactorThread::sweep_idle() {
  const auto heartbeat = std::chrono::milliseconds(shared_.options.heartbeat_idle_ms);
  const std::chrono::milliseconds keepalive = shared_.config.keepalive_timeout;
  for (auto& [session, entry] : clients_) {
    ClientConnection& c = *entry.connection;
    if (!c.is_quiet()) continue;
    const auto quiet = now_.steady - c.last_activity();
    if (shared_.options.heartbeat_enabled() && quiet >= heartbeat) {
      c.close_now("heartbeat: idle for " +
                  std::to_string(
                      std::chrono::duration_cast<std::chrono::milliseconds>(quiet).count()) +
                  " ms (limit " + std::to_string(shared_.options.heartbeat_idle_ms) + "); closed");
    } else if (keepalive.count() > 0 && quiet >= keepalive && c.between_requests()) {
      c.close_now();
    } else {
      continue;
    }
    touch(c);
  }
}

void ReactorThread::begin_stop() {
  stopping_ = true;
  for (auto& [session, entry] : clients_) {
    entry.connection->begin_stop();
    touch(*entry.connection);
  }
}

}  // namespace archbench::reactor
