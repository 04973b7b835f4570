// event_loop: one thread, non-blocking sockets, epoll, timers from the loop.
//
//   epoll_wait(timeout = earliest deadline in the heap)        <- the only place it blocks
//   -> for each ready descriptor: accept until EAGAIN / read once / write what fits
//   -> pop due deadlines from the heap -> their sessions' timers fire
//   -> after touching a connection: deliver its broadcasts, update its epoll interest and its
//      heap entry, or forget it when it closed
//
// The original is the libevent "async" echo server: an event base, a read callback per
// connection, bufferevents for output, evtimer for timeouts. Here the same pieces are spelled
// out: epoll is the event base, Connection is the bufferevent (output buffer + water marks),
// DeadlineHeap is the timer queue. See docs/event_loop.md.
//
// Level-triggered, on purpose: a ready connection gets ONE read per turn, so a client that
// streams megabytes cannot monopolise the loop (edge-triggered would have to read until EAGAIN
// or keep its own "still readable" list to be fair); and back-pressure is simply "stop asking
// for EPOLLIN". The cost: an epoll_ctl(MOD) whenever a connection's wants change, which the
// interest cache below keeps to the rare cases (output backed up, pause, resume).
//
// Differences from select_loop: epoll instead of select (no FD_SETSIZE, O(ready) per wake-up
// instead of O(highest fd)), a deadline heap instead of a scan.
//
// Out of descriptors (EMFILE/ENFILE): the listen socket stays readable while accept() fails, and
// level-triggered epoll would report it on every turn: a busy loop. The remedy that fits a
// readiness loop is the reserve descriptor (servers/core/reserve_descriptor.h): accept the
// client into the reserve's slot and close it at once, so the queue drains, epoll goes quiet and
// the client sees a close at once instead of hanging in the backlog until some other client
// happens to leave and free a descriptor. Only when even that fails (ENFILE
// with the slot taken elsewhere, ENOBUFS) does the loop drop the listen socket from the epoll set
// for a bounded, growing pause. Either way the connections it has are served as usual, one log
// line marks the start of the episode and one its end, at the next successful accept().
#include <sys/epoll.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "protocols/session.h"
#include "servers/core/accept.h"
#include "servers/core/clock.h"
#include "servers/core/connection.h"
#include "servers/core/connection_table.h"
#include "servers/core/deadline_heap.h"
#include "servers/core/listen_socket.h"
#include "servers/core/reserve_descriptor.h"
#include "servers/core/server_flags.h"
#include "servers/core/server_log.h"
#include "servers/core/stop_signal.h"

using namespace archbench;

namespace {

constexpr int kMaxEvents = 256;
constexpr int kAcceptBatch = 256;  // per wake-up, so a storm of connects cannot starve the rest

class EventLoop {
 public:
  EventLoop(int listen_fd, Protocol protocol, ProtocolConfig config)
      : listen_fd_(listen_fd), protocol_(protocol), config_(std::move(config)) {
    epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
    watch(stop_fd(), EPOLLIN);
    watch(listen_fd_, EPOLLIN);
  }

  void run() {
    std::vector<epoll_event> events(kMaxEvents);
    while (!stop_requested()) {
      std::optional<TimePoint> wake = earliest(deadlines_.earliest(), accept_pause_.deadline());
      int n = ::epoll_wait(epoll_.get(), events.data(), kMaxEvents,
                           timeout_ms_until(wake, Clock::now()));
      if (n < 0) {
        if (errno == EINTR) continue;
        log_line(std::string("epoll_wait: ") + std::strerror(errno));
        return;
      }
      const Now now = read_now();
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        const std::uint32_t happened = events[i].events;
        if (fd == stop_fd()) return;
        if (fd == listen_fd_) {
          accept_pending(now);
          continue;
        }
        Connection* c = table_.find(fd);
        if (c == nullptr || c->is_closed()) continue;  // closed earlier in this batch
        if (happened & EPOLLERR) {
          c->close_now();  // reset by the peer: nothing can be sent any more
        } else {
          if (happened & (EPOLLIN | EPOLLHUP)) c->on_readable(now);
          if (happened & (EPOLLOUT | EPOLLHUP)) c->on_writable(now);
          // Hung up both ways yet waiting for nothing we can do: done.
          if ((happened & EPOLLHUP) && !c->wants_read() && !c->wants_write()) c->close_now();
        }
        after_activity(*c, fd, now);
      }
      for (int fd : deadlines_.pop_due(now.steady)) {
        if (Connection* c = table_.find(fd)) {
          c->on_deadline(now);
          after_activity(*c, fd, now);
        }
      }
      if (listen_unwatched_ && !accept_pause_.paused()) {
        listen_unwatched_ = false;
        watch(listen_fd_, EPOLLIN);
      }
    }
  }

 private:
  // Accepts until EAGAIN (or the batch limit): with level-triggered epoll, anything left makes
  // the listen socket ready again on the next turn.
  void accept_pending(const Now& now) {
    for (int i = 0; i < kAcceptBatch; ++i) {
      AcceptResult accepted = accept_connection(listen_fd_, SocketMode::kNonBlocking);
      switch (accepted.kind) {
        case AcceptResult::Kind::kAccepted: {
          exhaustion_.accepted();
          trace_connection("serve", accepted.peer);
          const int fd = accepted.fd.get();
          Connection& c = table_.add(std::make_unique<Connection>(
              std::move(accepted.fd), accepted.peer, make_session(protocol_, config_, now.steady)));
          if (interest_.size() <= static_cast<std::size_t>(fd)) interest_.resize(fd + 1, 0);
          interest_[fd] = 0;  // a reused number: whatever was cached belonged to a closed socket
          deadlines_.forget(fd);
          after_activity(c, fd, now);
          break;
        }
        case AcceptResult::Kind::kNothingPending:
          return;
        case AcceptResult::Kind::kTransient:
          break;
        case AcceptResult::Kind::kOutOfDescriptors: {
          const ExhaustionRefuser::Next next = exhaustion_.out_of_descriptors(
              listen_fd_, accepted.error, std::to_string(table_.size()) + " connections open");
          if (next.step == ExhaustionRefuser::Next::Step::kAcceptAgain) break;  // one refused
          if (next.step == ExhaustionRefuser::Next::Step::kPause) pause_accepting(next.pause);
          return;  // queue empty (epoll reports the next client) or paused
        }
        case AcceptResult::Kind::kFatal:
          log_line(std::string("accept: ") + std::strerror(accepted.error));
          return;
      }
    }
  }

  // The reserve did not help: leave the listen socket out of the epoll set until `pause` has
  // passed (run() puts it back), so its readiness cannot wake the loop meanwhile.
  void pause_accepting(std::chrono::milliseconds pause) {
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listen_fd_, nullptr);
    listen_unwatched_ = true;
    accept_pause_.pause_for(pause);
  }

  // Brings epoll and the deadline heap in line with what the connection now wants. `fd` is
  // passed because a connection that just closed no longer knows its descriptor.
  void after_activity(Connection& c, int fd, const Now& now) {
    if (c.has_broadcasts()) {
      for (int member_fd : table_.deliver_broadcasts(c, now)) {
        if (Connection* member = table_.find(member_fd); member && member != &c) {
          sync(*member, member_fd);
        }
      }
    }
    sync(c, fd);
  }

  void sync(Connection& c, int fd) {
    if (c.is_closed()) {
      // close() already removed the descriptor from the epoll set.
      deadlines_.forget(fd);
      interest_[fd] = 0;
      table_.remove(fd);
      return;
    }
    std::uint32_t wanted = (c.wants_read() ? EPOLLIN : 0u) | (c.wants_write() ? EPOLLOUT : 0u);
    if (wanted != interest_[fd] || !registered(fd)) {
      epoll_event event{};
      event.events = wanted;
      event.data.fd = fd;
      int op = registered(fd) ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
      if (::epoll_ctl(epoll_.get(), op, fd, &event) != 0) {
        // The cache disagreed with the kernel (cannot happen unless a descriptor was reused
        // behind the loop's back): say so, and use the other operation.
        log_line(std::string("epoll_ctl: ") + std::strerror(errno) + " for fd " + std::to_string(fd));
        ::epoll_ctl(epoll_.get(), op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event);
      }
      interest_[fd] = wanted | kRegistered;
    }
    deadlines_.schedule(fd, c.next_deadline());
  }

  bool registered(int fd) const { return (interest_[fd] & kRegistered) != 0; }

  void watch(int fd, std::uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event);
  }

  // A bit epoll never uses, marking "this fd is in the epoll set" in the interest cache.
  static constexpr std::uint32_t kRegistered = 1u << 30;

  const int listen_fd_;
  const Protocol protocol_;
  const ProtocolConfig config_;
  UniqueFd epoll_;
  ExhaustionRefuser exhaustion_{"event_loop"};
  ConnectionTable table_;
  DeadlineHeap deadlines_;
  std::vector<std::uint32_t> interest_;  // by fd: events last given to epoll | kRegistered
  AcceptPause accept_pause_;
  bool listen_unwatched_ = false;  // taken out of the epoll set for accept_pause_
};

}  // namespace

int main(int argc, char** argv) {
  ServerCommandLine command_line("event_loop", "archbench event_loop: one thread, epoll");
  command_line.parse_or_exit(argc, argv);
  const CommonOptions& options = command_line.options();
  const ProtocolConfig config = command_line.protocol_config(true);

  install_stop_handlers();
  ListenSocket listener = listen_or_exit(options.host, options.port, options.backlog);
  set_nonblocking(listener.fd.get());
  announce_ready(listener);

  EventLoop loop(listener.fd.get(), options.protocol, config);
  loop.run();
  log_line("event_loop: stopped");
  return EXIT_SUCCESS;
}
