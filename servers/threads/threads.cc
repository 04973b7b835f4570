// threads: a thread per connection, or Stevens' prethreaded pool. Blocking I/O either way.
//
//   --mode per-connection   main: poll(listen, stop) -> accept -> new thread -> accept ...
//                           each thread: serve its one connection (blocking driver) -> exit
//                           at most --max-threads at once; past that a new client is refused
//   --mode pool --threads N N threads started up front; each: get a connection, serve it, repeat
//       --accept mutex      each thread: lock; accept(); unlock        (UNP ch. 30 "mutex locking
//                                                                      to protect accept")
//       --accept none       each thread: accept() with no lock        (the kernel wakes one)
//       --accept main       main thread accepts; threads take connections from a bounded queue
//                           under a mutex + condition variable        ("main thread accept")
//
// The originals are the prethreaded rows of Stevens' UNIX Network Programming ch. 30 (the
// pthreads counterparts of the preforked servers) and the classic pthread_create-per-accept
// server. A thread serves one connection at a time with the blocking driver, so what the modes
// study is only how a connection finds its thread. See docs/threads.md.
//
// Differences from the process models (prefork, fork_limited): threads share memory, so
// WebSocket /broadcast works (servers/threads/broadcasting_driver.h: each thread only posts
// messages into the other threads' mailboxes; only the owner writes its socket), and stopping
// joins threads instead of reaping children.
//
// Stop: connection threads wait in poll() next to the stop pipe, so SIGTERM wakes them. Threads
// blocked in accept() itself (pool, --accept mutex|none) cannot watch a pipe; the main thread
// shuts the listening socket down, which on Linux makes every pending and future accept() on it
// fail with EINVAL. (A signal alone is not enough: it interrupts one thread, and a thread just
// about to enter accept() would sleep there anyway.)
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include "protocols/session.h"
#include "servers/core/accept.h"
#include "servers/core/accept_backoff.h"
#include "servers/core/blocking_driver.h"
#include "servers/core/connection.h"
#include "servers/core/listen_socket.h"
#include "servers/core/reserve_descriptor.h"
#include "servers/core/server_flags.h"
#include "servers/core/server_log.h"
#include "servers/core/stop_signal.h"
#include "servers/threads/broadcast_hub.h"
#include "servers/threads/broadcasting_driver.h"
#include "servers/threads/handoff_queue.h"
#include "servers/threads/thread_roster.h"

using namespace archbench;
using namespace archbench::threads;

namespace {

// After an accept() error that should not happen (neither transient nor a lack of descriptors):
// wait this long before trying again, so it cannot become a busy loop.
constexpr std::chrono::milliseconds kUnexpectedErrorPause{100};

// Out of descriptors: every connection of every thread lives in this one process, so EMFILE comes
// from the connections themselves, and a descriptor frees up whenever any thread's client leaves.
// The accepting threads (main, or every pool thread) block in accept() by design; the remedy
// that fits is a bounded, growing sleep (AcceptBackoff) while the client waits in the backlog,
// as it does when every thread is busy: the serving threads are not disturbed, and the first
// descriptor a finished connection frees is used within a quarter of a second. One backoff is
// shared by all accepting threads, so the log says it once per episode, not once per thread.
//
// A connection needs a second descriptor, its mailbox's eventfd (broadcasting_driver.h). When
// accept() got the last free slot and the eventfd finds none, the client is closed politely and
// counted as a refusal of the same episode; the episode ends only when a connection has both.

// What every serving thread shares: read-only, except the hub and the backoff (which lock
// themselves).
struct SharedState {
  Protocol protocol;
  ProtocolConfig config;
  BroadcastHub hub;
  AcceptBackoff backoff{"threads",
                        "clients wait in the backlog (or, when only their socket fits, are closed)"};
};

// Serves one accepted connection on the calling thread, from first byte to close.
void serve(SharedState& shared, AcceptResult accepted) {
  std::optional<HubPort> port;
  try {
    // The same bound as a readiness-based Connection's broadcast output (core/connection.h).
    port.emplace(shared.hub, ConnectionLimits{}.broadcast_output_limit);
  } catch (const std::system_error& e) {
    const int error = e.code().value();
    if (error == EMFILE || error == ENFILE) {
      shared.backoff.refused(error, "no descriptor for a new connection's mailbox");
      trace_connection("refused-no-descriptors", accepted.peer);
    } else {
      log_line(accepted.peer + ": " + e.what() + "; connection closed");
    }
    close_refused_connection(std::move(accepted.fd));
    return;
  }
  shared.backoff.accepted();
  trace_connection("serve", accepted.peer);
  try {
    std::unique_ptr<Session> session = make_session(shared.protocol, shared.config, Clock::now());
    DriveEnd end = serve_blocking(std::move(accepted.fd), *session, accepted.peer, &*port);
    trace_connection(drive_end_name(end), accepted.peer);
  } catch (const std::exception& e) {
    // Out of memory: lose this connection, not the server.
    log_line(accepted.peer + ": " + e.what() + "; connection closed");
  }
}

// Blocks until SIGTERM/SIGINT (no timeout: an idle supervisor never wakes).
void wait_for_stop() {
  while (!stop_requested()) {
    pollfd fds[1] = {{stop_fd(), POLLIN, 0}};
    if (::poll(fds, 1, -1) < 0 && errno != EINTR) return;
  }
}

// What an accepting thread does after accept() did not give it a connection.
// Returns false when it should stop accepting (stop requested, listening socket shut down).
bool after_failed_accept(SharedState& shared, const AcceptResult& result) {
  switch (result.kind) {
    case AcceptResult::Kind::kOutOfDescriptors:
      // The connection stays queued and accept() would fail again at once: back off.
      return wait_unless_stopped(shared.backoff.failed(result.error));
    case AcceptResult::Kind::kFatal:
      if (stop_requested() || result.error == EINVAL) return false;  // shut down: stopping
      log_line(std::string("threads: accept: ") + std::strerror(result.error));
      return wait_unless_stopped(kUnexpectedErrorPause);
    default:  // EINTR, a connection that died in the queue, nothing pending
      return !stop_requested();
  }
}

// --mode per-connection: the main thread accepts and starts a thread for each connection.
void run_per_connection(const ListenSocket& listener, SharedState& shared,
                        std::size_t max_threads) {
  const int listen_fd = listener.fd.get();
  set_nonblocking(listen_fd);  // main waits in poll(); accept() must never block it
  ThreadRoster roster(max_threads);
  log_line("threads: a thread per connection, at most " + std::to_string(max_threads));
  announce_ready(listener);

  while (wait_for_connection_or_stop(listen_fd)) {
    roster.reap_finished();
    AcceptResult accepted = accept_connection(listen_fd, SocketMode::kBlocking);
    if (accepted.kind != AcceptResult::Kind::kAccepted) {
      if (!after_failed_accept(shared, accepted)) break;
      continue;
    }
    const std::string peer = accepted.peer;
    if (roster.full()) {
      // Closing at once: the client sees EOF instead of waiting on a server that will not serve.
      log_line("threads: refused " + peer + ": " + std::to_string(max_threads) +
               " threads busy (--max-threads)");
      continue;
    }
    // std::function needs a copyable callable; the connection travels in a shared_ptr.
    auto connection = std::make_shared<AcceptResult>(std::move(accepted));
    try {
      roster.spawn([&shared, connection] { serve(shared, std::move(*connection)); });
    } catch (const std::system_error& e) {
      log_line("threads: refused " + peer + ": cannot start a thread: " + e.what());
    }
  }
  roster.join_all();
}

enum class AcceptMode { kMutex, kMain, kNone };

// --mode pool: N threads for the server's lifetime, each serving one connection at a time.
int run_pool(const ListenSocket& listener, SharedState& shared, int thread_count, AcceptMode mode,
             const std::string& mode_name) {
  const int listen_fd = listener.fd.get();
  std::mutex accept_mutex;
  HandoffQueue queue(static_cast<std::size_t>(thread_count));
  if (mode == AcceptMode::kMain) set_nonblocking(listen_fd);  // only main accepts, after poll()

  auto next_connection = [&](AcceptResult& accepted) -> bool {
    for (;;) {
      if (mode == AcceptMode::kMain) {
        std::optional<AcceptResult> handed = queue.pop();
        if (!handed || stop_requested()) return false;  // a late connection just closes
        accepted = std::move(*handed);
        return true;
      }
      if (mode == AcceptMode::kMutex) {
        // Only the lock holder sleeps in accept(); the others sleep on the mutex.
        std::lock_guard<std::mutex> lock(accept_mutex);
        accepted = accept_connection(listen_fd, SocketMode::kBlocking);
      } else {
        accepted = accept_connection(listen_fd, SocketMode::kBlocking);
      }
      if (accepted.kind == AcceptResult::Kind::kAccepted) return true;
      if (!after_failed_accept(shared, accepted)) return false;
    }
  };
  auto worker = [&] {
    AcceptResult accepted;
    while (next_connection(accepted)) serve(shared, std::move(accepted));
    queue.close();  // stopping: wake a main thread waiting for room, and the other workers
  };

  std::vector<std::thread> pool;
  for (int i = 0; i < thread_count; ++i) {
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error& e) {
      log_line(std::string("threads: cannot start thread ") + std::to_string(i + 1) + ": " +
               e.what());
      break;
    }
  }
  if (pool.empty()) return EXIT_FAILURE;
  log_line("threads: pool of " + std::to_string(pool.size()) + " threads, accept " + mode_name);
  announce_ready(listener);

  if (mode == AcceptMode::kMain) {
    while (wait_for_connection_or_stop(listen_fd)) {
      AcceptResult accepted = accept_connection(listen_fd, SocketMode::kBlocking);
      if (accepted.kind != AcceptResult::Kind::kAccepted) {
        if (!after_failed_accept(shared, accepted)) break;
        continue;
      }
      if (!queue.push(std::move(accepted))) break;
    }
    queue.close();
  } else {
    // The main thread only waits for the stop; the pool sleeps in accept() (or on the mutex).
    wait_for_stop();
    ::shutdown(listen_fd, SHUT_RDWR);
  }
  for (std::thread& thread : pool) thread.join();
  return EXIT_SUCCESS;
}

}  // namespace

int main(int argc, char** argv) {
  ServerCommandLine command_line(
      "threads", "archbench threads: a thread per connection, or a prethreaded pool");
  std::string mode = "per-connection";
  std::size_t max_threads = 1000;
  int thread_count = 16;
  std::string accept_name = "mutex";
  CLI::App& app = command_line.app();
  app.add_option("--mode", mode, "per-connection (a thread per client) | pool (prethreaded)")
      ->capture_default_str()
      ->check(CLI::IsMember({"per-connection", "pool"}));
  app.add_option("--max-threads", max_threads,
                 "per-connection: most connection threads at once; past it clients are refused")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  app.add_option("--threads", thread_count, "pool: threads started up front")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--accept", accept_name,
                 "pool: mutex (accept under a mutex) | main (main thread accepts, hands off) | "
                 "none (every thread in accept())")
      ->capture_default_str()
      ->check(CLI::IsMember({"mutex", "main", "none"}));
  command_line.parse_or_exit(argc, argv);
  const CommonOptions& options = command_line.options();

  // Threads share the address space: a broadcast is a message dropped into other threads'
  // mailboxes (broadcasting_driver.h).
  SharedState shared{options.protocol, command_line.protocol_config(true), {}};

  install_stop_handlers();
  ListenSocket listener = listen_or_exit(options.host, options.port, options.backlog);

  int status = EXIT_SUCCESS;
  if (mode == "per-connection") {
    run_per_connection(listener, shared, max_threads);
  } else {
    const AcceptMode accept_mode = accept_name == "main"   ? AcceptMode::kMain
                                   : accept_name == "none" ? AcceptMode::kNone
                                                           : AcceptMode::kMutex;
    status = run_pool(listener, shared, thread_count, accept_mode, accept_name);
  }
  log_line("threads: stopped");
  return status;
}
