// select_loop: one process, one thread, select() over every socket.
//
//   select(listen socket + stop pipe + every connection that wants to read/write,
//          timeout = the earliest session deadline)                  <- the only place it blocks
//   -> serve each ready connection a little (one read, as much write as the socket takes)
//   -> fire due timers -> deliver broadcasts -> drop closed connections -> accept newcomers
//
// The original is the select() chat/echo server: a master set of sockets, select() on a copy,
// loop over the set. Its classic bugs are fixed here: a descriptor >= FD_SETSIZE is never put in
// an fd_set (that is a buffer overflow, not an error), and `--max-conns` bounds the table; both
// refuse the new connection with a log line and close it. See docs/select_loop.md.
//
// Differences from event_loop: the kernel interface. select() rebuilds and rescans whole
// descriptor sets on every call (O(highest fd)), and caps descriptors at FD_SETSIZE; the loop
// finds the next deadline by scanning every connection, which is fine at this size.
#include <sys/resource.h>
#include <sys/select.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "protocols/session.h"
#include "servers/core/accept.h"
#include "servers/core/clock.h"
#include "servers/core/connection.h"
#include "servers/core/connection_table.h"
#include "servers/core/listen_socket.h"
#include "servers/core/reserve_descriptor.h"
#include "servers/core/server_flags.h"
#include "servers/core/server_log.h"
#include "servers/core/stop_signal.h"

using namespace archbench;

namespace {

// Accepts at most this many connections per wake-up, so a connection storm cannot starve the
// clients already connected.
constexpr int kAcceptBatch = 64;

// Accepts what is pending; refuses (log + close) past --max-conns or FD_SETSIZE. Returns a pause
// when accept() failed for lack of descriptors and the reserve descriptor could not help: the
// listen socket must then stay out of the fd_set for that long.
std::optional<std::chrono::milliseconds> accept_pending(int listen_fd, ConnectionTable& table,
                                                       std::size_t max_conns, Protocol protocol,
                                                       const ProtocolConfig& config,
                                                       ExhaustionRefuser& exhaustion) {
  for (int i = 0; i < kAcceptBatch; ++i) {
    AcceptResult accepted = accept_connection(listen_fd, SocketMode::kNonBlocking);
    if (accepted.kind == AcceptResult::Kind::kNothingPending) return std::nullopt;
    if (accepted.kind == AcceptResult::Kind::kTransient) continue;
    if (accepted.kind == AcceptResult::Kind::kOutOfDescriptors) {
      const ExhaustionRefuser::Next next = exhaustion.out_of_descriptors(
          listen_fd, accepted.error, std::to_string(table.size()) + " connections open");
      if (next.step == ExhaustionRefuser::Next::Step::kAcceptAgain) continue;  // one refused
      if (next.step == ExhaustionRefuser::Next::Step::kPause) return next.pause;
      return std::nullopt;  // the queue is empty: select() reports the next client
    }
    if (accepted.kind != AcceptResult::Kind::kAccepted) {
      log_line(std::string("accept failed: ") + std::strerror(accepted.error));
      return std::nullopt;
    }
    exhaustion.accepted();
    if (accepted.fd.get() >= FD_SETSIZE) {
      log_line("refused " + accepted.peer + ": descriptor " + std::to_string(accepted.fd.get()) +
               " >= FD_SETSIZE (" + std::to_string(FD_SETSIZE) + "), select() cannot watch it");
      continue;  // ~UniqueFd closes it: the client sees EOF.
    }
    if (table.size() >= max_conns) {
      log_line("refused " + accepted.peer + ": " + std::to_string(table.size()) +
               " connections open, --max-conns " + std::to_string(max_conns));
      continue;
    }
    trace_connection("serve", accepted.peer);
    table.add(std::make_unique<Connection>(std::move(accepted.fd), accepted.peer,
                                           make_session(protocol, config, Clock::now())));
  }
  return std::nullopt;
}

// Out of descriptors, two lines of defence:
//  1. --max-conns is kept below the descriptor limit, so the usual case (too many clients) is a
//     refusal at --max-conns: accept, log, close, before the process runs out;
//  2. when descriptors run out anyway (ENFILE: the whole system is out; or something else holds
//     descriptors), accept() fails while the connection stays queued, and select() would report
//     the listen socket ready again at once: a busy loop. Then the reserve descriptor
//     (servers/core/reserve_descriptor.h) accepts and closes the client, as event_loop does; if
//     even that fails, the listen socket stays out of the fd_set for a bounded pause. This one
//     thread serves every connection, so it refuses rather than sleeps.
std::size_t fit_descriptor_limit(std::size_t max_conns) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return max_conns;
  // stdin/out/err, the stop pipe, the listen socket, the reserve descriptor, and one for the
  // accepted-then-refused.
  constexpr rlim_t kReserved = 8;
  const std::size_t room = limit.rlim_cur > kReserved + 1 ? limit.rlim_cur - kReserved : 1;
  if (max_conns <= room) return max_conns;
  log_line("--max-conns lowered to " + std::to_string(room) + ": the descriptor limit is " +
           std::to_string(limit.rlim_cur));
  return room;
}

}  // namespace

int main(int argc, char** argv) {
  ServerCommandLine command_line("select_loop", "archbench select_loop: one process, select()");
  std::size_t max_conns = 1000;
  command_line.app()
      .add_option("--max-conns", max_conns, "connections served at once; more are refused")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{FD_SETSIZE - 24}));
  command_line.parse_or_exit(argc, argv);
  const CommonOptions& options = command_line.options();
  // Every connection lives in this one process: broadcast is just a loop over the table.
  const ProtocolConfig config = command_line.protocol_config(true);

  install_stop_handlers();
  ListenSocket listener = listen_or_exit(options.host, options.port, options.backlog);
  set_nonblocking(listener.fd.get());

  const int listen_fd = listener.fd.get();
  if (listen_fd >= FD_SETSIZE || stop_fd() >= FD_SETSIZE) {
    log_line("select_loop: the listen socket or stop pipe is beyond FD_SETSIZE (" +
             std::to_string(FD_SETSIZE) + "); too many inherited descriptors");
    return EXIT_FAILURE;
  }
  max_conns = fit_descriptor_limit(max_conns);
  announce_ready(listener);

  ConnectionTable table;
  ExhaustionRefuser exhaustion("select_loop");
  AcceptPause accept_pause;  // out of descriptors, and the reserve could not help
  while (!stop_requested()) {
    // 1. Say what to wait for: rebuilt from scratch on every turn, as select() requires.
    fd_set readable, writable;
    FD_ZERO(&readable);
    FD_ZERO(&writable);
    FD_SET(stop_fd(), &readable);
    if (!accept_pause.paused()) FD_SET(listen_fd, &readable);
    int highest = std::max(stop_fd(), listen_fd);
    table.for_each([&](const Connection& c) {
      if (c.wants_read()) FD_SET(c.fd(), &readable);
      if (c.wants_write()) FD_SET(c.fd(), &writable);
      if (c.wants_read() || c.wants_write()) highest = std::max(highest, c.fd());
    });
    const int timeout_ms =
        timeout_ms_until(earliest(table.earliest_deadline(), accept_pause.deadline()), Clock::now());
    timeval timeout{timeout_ms / 1000, (timeout_ms % 1000) * 1000};

    // 2. Wait.
    int ready = ::select(highest + 1, &readable, &writable, nullptr,
                         timeout_ms < 0 ? nullptr : &timeout);
    if (ready < 0) {
      if (errno == EINTR) continue;
      log_line(std::string("select: ") + std::strerror(errno));
      return EXIT_FAILURE;
    }
    if (FD_ISSET(stop_fd(), &readable)) break;
    const Now now = read_now();

    // 3. Serve whatever is ready, fire due timers, deliver broadcasts.
    table.for_each([&](Connection& c) {
      const int fd = c.fd();  // -1 once closed (e.g. by a broadcast it could not take)
      if (fd >= 0 && FD_ISSET(fd, &readable)) c.on_readable(now);
      if (fd >= 0 && !c.is_closed() && FD_ISSET(fd, &writable)) c.on_writable(now);
      if (!c.is_closed()) c.on_deadline(now);
      if (c.has_broadcasts()) table.deliver_broadcasts(c, now);
    });
    table.remove_closed();

    // 4. Newcomers last, so their descriptors cannot be confused with this turn's fd_sets.
    if (FD_ISSET(listen_fd, &readable)) {
      if (std::optional<std::chrono::milliseconds> pause = accept_pending(
              listen_fd, table, max_conns, options.protocol, config, exhaustion)) {
        accept_pause.pause_for(*pause);
      }
    }
  }
  table.clear();
  log_line("select_loop: stopped");
  return EXIT_SUCCESS;
}
