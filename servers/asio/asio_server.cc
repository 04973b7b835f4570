// asio: standalone Asio, one io_context per thread, one acceptor dealing connections out.
//
//   thread 0: io_context 0 ── acceptor: async_accept(io_context k) for k = 0, 1, 2, ... in turn
//             signal_set (SIGTERM/SIGINT)     and its own share of connections
//   thread k: io_context k ── its connections: async_read_some / async_write / steady_timer
//
// Each connection lives on exactly one io_context, so its handlers run on exactly one thread and
// need no strand or lock; the only shared object is the broadcast hub, which hops messages to the
// owner's io_context with asio::post. This is the "io_context per CPU" design of Asio's HTTP
// server 2 example (an io_context_pool, round-robin), which is also what most production Asio
// servers do. See docs/asio.md for why not SO_REUSEPORT with an acceptor per thread.
//
// Differences from event_loop: the same model (non-blocking sockets, a reactor, timers from the
// loop), but written as completion handlers, and N loops instead of one. Per connection see
// asio_connection.h.
//
// Stop: asio::signal_set on io_context 0. Its handler closes the acceptor, then posts to every
// io_context "close all your connections, then stop"; the threads return from run() and are
// joined; handlers still queued are destroyed with their io_contexts.
#include <signal.h>
#include <sys/socket.h>

#include <asio.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <system_error>
#include <thread>
#include <vector>

#include "protocols/session.h"
#include "servers/asio/asio_connection.h"
#include "servers/core/accept.h"
#include "servers/core/listen_socket.h"
#include "servers/core/reserve_descriptor.h"
#include "servers/core/server_flags.h"
#include "servers/core/server_log.h"
#include "servers/threads/broadcast_hub.h"

using namespace archbench;
using namespace archbench::asio_server;
using asio::ip::tcp;

namespace {

// After an accept error that is neither transient nor a lack of descriptors (which should not
// happen): wait this long before the next try, so an unexpected error cannot become a busy loop.
constexpr std::chrono::milliseconds kUnexpectedErrorPause{100};

// One io_context and the thread that runs it.
struct Worker {
  // Declared before the io_context: handlers destroyed with the io_context destroy connections,
  // which unregister here.
  ConnectionRegistry registry;
  // Concurrency hint 1: exactly one thread runs it (others only post to it).
  asio::io_context context{1};
  std::thread thread;
};

// Runs an io_context until it is stopped. A handler that throws (out of memory in a session)
// loses its connection, not the server: Asio leaves the io_context usable, so run() again.
void run_context(asio::io_context& context) {
  for (;;) {
    try {
      context.run();
      return;
    } catch (const std::exception& e) {
      log_line(std::string("asio: handler failed: ") + e.what());
    }
  }
}

// The one listening socket, on io_context 0, handing each new connection to the next worker.
// Thread-safety: all methods run on io_context 0's thread.
class Dealer {
 public:
  Dealer(asio::io_context& context, UniqueFd listen_fd,
         std::vector<std::unique_ptr<Worker>>& workers, Protocol protocol,
         const ProtocolConfig& config, threads::BroadcastHub& hub)
      : acceptor_(context), retry_(context), workers_(workers), protocol_(protocol),
        config_(config), hub_(hub) {
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    ::getsockname(listen_fd.get(), reinterpret_cast<sockaddr*>(&address), &length);
    acceptor_.assign(address.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), listen_fd.release());
    // The reserve-descriptor refusal calls accept() on the native socket itself: with an empty
    // queue it must return EAGAIN, not block io_context 0. (Async operations are unaffected.)
    asio::error_code ignored;
    acceptor_.non_blocking(true, ignored);
  }

  void start() { accept_next(); }

  void stop() {
    stopped_ = true;
    asio::error_code ignored;
    acceptor_.close(ignored);
    retry_.cancel();
  }

 private:
  void accept_next() {
    Worker& target = *workers_[next_];
    next_ = (next_ + 1) % workers_.size();
    // The new socket belongs to the target's io_context; this handler runs here, on io_context 0.
    acceptor_.async_accept(target.context, [this, &target](const asio::error_code& error,
                                                           tcp::socket socket) {
      on_accept(target, error, std::move(socket));
    });
  }

  void on_accept(Worker& target, const asio::error_code& error, tcp::socket socket) {
    if (stopped_ || error == asio::error::operation_aborted) return;
    if (!error) {
      exhaustion_.accepted();
      asio::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      const std::string peer = peer_name(socket.native_handle());
      try {
        auto connection = std::make_shared<AsioConnection>(
            std::move(socket), peer, make_session(protocol_, config_, Clock::now()), target.registry,
            hub_);
        // Moved, not copied: this thread must keep no reference, or the last one could be
        // dropped here, destroying the connection on the wrong thread.
        asio::post(target.context,
                   [connection = std::move(connection)] { connection->start(); });
      } catch (const std::exception& e) {
        log_line(peer + ": " + e.what() + "; connection closed");
      }
      accept_next();
      return;
    }
    const int code = error.value();
    if (code == ECONNABORTED || code == EPROTO || code == EINTR || code == EAGAIN) {
      accept_next();  // that connection died in the queue (or nothing was there): next
      return;
    }
    if (is_out_of_descriptors(code)) {
      // Out of descriptors: Asio's acceptor sits on a readiness loop (epoll) like event_loop's,
      // and retrying at once would spin on the still-queued connection. The reserve descriptor
      // refuses it (accepted and closed: the client sees a close, not a hang) and the acceptor
      // goes on with the next; every connection this process holds keeps being served by its
      // own io_context meanwhile. Once the queue is empty, the acceptor waits for the listen
      // socket to become readable, not for accept() to succeed: async_accept tries accept() at
      // once, before waiting, and at EMFILE that fails even with nothing queued (the kernel
      // allocates the descriptor first), so going straight back to it would be a busy loop.
      // Only when the reserve cannot help (ENFILE with the slot taken elsewhere, ENOBUFS) does
      // the acceptor stop for a bounded, growing pause.
      const ExhaustionRefuser::Next next =
          exhaustion_.out_of_descriptors(acceptor_.native_handle(), code);
      switch (next.step) {
        case ExhaustionRefuser::Next::Step::kAcceptAgain:
          accept_next();
          break;
        case ExhaustionRefuser::Next::Step::kWaitForReadiness:
          acceptor_.async_wait(tcp::acceptor::wait_read, [this](const asio::error_code& waited) {
            if (!waited && !stopped_) accept_next();
          });
          break;
        case ExhaustionRefuser::Next::Step::kPause:
          retry_after(next.pause);
          break;
      }
      return;
    }
    log_line("asio: accept: " + error.message() + "; pausing " +
             std::to_string(kUnexpectedErrorPause.count()) + " ms");
    retry_after(kUnexpectedErrorPause);
  }

  void retry_after(std::chrono::milliseconds pause) {
    retry_.expires_after(pause);
    retry_.async_wait([this](const asio::error_code& waited) {
      if (!waited && !stopped_) accept_next();
    });
  }

  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  std::vector<std::unique_ptr<Worker>>& workers_;
  std::size_t next_ = 0;
  const Protocol protocol_;
  const ProtocolConfig& config_;
  threads::BroadcastHub& hub_;
  ExhaustionRefuser exhaustion_{"asio"};
  bool stopped_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  ServerCommandLine command_line("asio",
                                 "archbench asio: standalone Asio, one io_context per thread");
  int thread_count = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  command_line.app()
      .add_option("--threads", thread_count,
                  "io_contexts, one thread each (default: the number of CPUs)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  command_line.parse_or_exit(argc, argv);
  const CommonOptions& options = command_line.options();
  // A connection's broadcast hops to the owner's io_context (asio_connection.h).
  const ProtocolConfig config = command_line.protocol_config(true);

  // Asio sends with MSG_NOSIGNAL already; ignoring SIGPIPE covers any other write.
  ::signal(SIGPIPE, SIG_IGN);
  ListenSocket listener = listen_or_exit(options.host, options.port, options.backlog);

  threads::BroadcastHub hub;  // outlives the workers: their connections unregister from it
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < thread_count; ++i) workers.push_back(std::make_unique<Worker>());
  {
    asio::io_context& first = workers[0]->context;
    Dealer dealer(first, std::move(listener.fd), workers, options.protocol, config, hub);
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
    for (auto& worker : workers) keep_running.push_back(asio::make_work_guard(worker->context));

    asio::signal_set signals(first, SIGTERM, SIGINT);
    signals.async_wait([&](const asio::error_code& error, int) {
      if (error) return;
      dealer.stop();
      for (auto& worker : workers) {
        // Runs on the worker's own thread, the only one allowed to touch its connections.
        asio::post(worker->context, [&w = *worker] {
          w.registry.close_all();
          w.context.stop();
        });
      }
    });

    dealer.start();
    log_line("asio: " + std::to_string(workers.size()) +
             " io_contexts, one thread each; one acceptor deals connections round-robin");
    try {
      for (std::size_t i = 1; i < workers.size(); ++i) {
        workers[i]->thread = std::thread(run_context, std::ref(workers[i]->context));
      }
    } catch (const std::system_error& e) {
      log_line(std::string("asio: cannot start the threads: ") + e.what());
      for (auto& worker : workers) worker->context.stop();
      for (auto& worker : workers) {
        if (worker->thread.joinable()) worker->thread.join();
      }
      return EXIT_FAILURE;
    }
    announce_ready(listener);  // every thread is there: /proc shows the final thread count
    run_context(first);  // the main thread is thread 0
    for (std::size_t i = 1; i < workers.size(); ++i) workers[i]->thread.join();
  }  // dealer and signal_set go before the io_contexts they use
  log_line("asio: stopped");
  return EXIT_SUCCESS;
}
