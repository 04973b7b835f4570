// The reserve-descriptor trick, for readiness loops that run out of descriptors.
//
// A readiness loop (select, poll, epoll, Asio) watches the listen socket. When accept() fails with
// EMFILE, the connection stays queued, the listen socket stays ready, and the loop is woken again
// at once: a busy loop, and a client left hanging in the queue. Pausing the listen socket stops
// the spin but still leaves clients hanging, possibly for minutes. The remedy libev's manual and
// many servers use instead: keep one descriptor open in reserve (/dev/null); when accept() fails,
// close the reserve, accept the connection into the freed slot, close the connection politely
// (FIN after discarding what the client already sent, so it sees a clean close and not a reset
// or a hang), and open the reserve again. The queue drains, the loop goes back to sleep, and each
// refused client knows at once that it was refused.
//
// It cannot help when the freed slot is taken before accept() gets it: ENFILE with another process
// on the machine grabbing the file, or another thread of this process opening something in
// between, or ENOBUFS/ENOMEM (memory, not descriptors). Then the loop must stop watching the
// listen socket for a while: ExhaustionRefuser combines the trick with AcceptBackoff's bounded
// pause and its once-per-episode log.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "servers/core/accept_backoff.h"
#include "servers/core/unique_fd.h"

namespace archbench {

// Closes a connection the server will not serve: FIN first (shutdown), then what the client
// already sent is read and dropped (bounded, without blocking), then close. A close() with unread
// bytes would make the kernel send RST, which can destroy the FIN; this way the client sees a
// plain end of stream. Thread-safety: touches only `connection`.
void close_refused_connection(UniqueFd connection);

// Whether `count` more descriptors can be opened right now: opens that many (/dev/null) and
// closes them again. Returns 0, or the errno of the open that failed (EMFILE, ENFILE).
// For a single-threaded parent that must not accept a client it cannot hand on: a fork-per-
// connection parent needs room for the client AND for what the new child opens before it closes
// what it inherited (its own stop pipe). The slots found stay free until the caller uses them,
// since no other thread opens anything. Thread-safety: any thread; exact only when single-threaded.
int probe_free_descriptors(int count);

// Thread-safety: one thread at a time (the loop's accepting thread) uses one ReserveDescriptor.
class ReserveDescriptor {
 public:
  // Opens the reserve now; held() is false if even that failed (it is retried on use).
  ReserveDescriptor();

  bool held() const { return reserve_.valid(); }

  struct Refusal {
    enum class Outcome {
      kRefused,     // one pending connection was accepted and closed; peer names it
      kQueueEmpty,  // nothing was pending any more (the client gave up, another process took it)
      kNoRoom,      // no reserve could be held, or accept() failed again: the trick did not help
    };
    Outcome outcome = Outcome::kNoRoom;
    std::string peer;  // "127.0.0.1:5000" (kRefused only)
    int error = 0;     // errno of the failed accept() (kNoRoom only; 0 when no reserve was held)
  };

  // Call after accept() on `listen_fd` failed for lack of descriptors. Precondition: `listen_fd`
  // is non-blocking (an empty queue must not block the loop). Frees the reserve, accepts one
  // pending connection, closes it politely, takes the reserve back.
  Refusal refuse_pending(int listen_fd);

 private:
  bool acquire();

  UniqueFd reserve_;
};

// For readiness loops: refuse with the reserve descriptor while that works, pause accepting
// with a bounded backoff when it does not, and log once per episode.
//
// Note that accept() reports EMFILE even when NO connection is pending: Linux allocates the new
// descriptor before it looks at the queue. So a loop must not retry accept() just because it
// failed; it retries while refusals find clients, and goes back to waiting for readiness once
// the queue is empty. (Asio's speculative accept, tried before waiting, would otherwise spin.)
// Thread-safety: like ReserveDescriptor, one accepting thread.
class ExhaustionRefuser {
 public:
  struct Next {
    enum class Step {
      kAcceptAgain,       // one client was refused; another may be queued: accept() again
      kWaitForReadiness,  // the queue is empty: wait until the listen socket is readable again
      kPause,             // the reserve could not help: leave the listen socket alone for `pause`
    };
    Step step = Step::kPause;
    std::chrono::milliseconds pause{0};  // kPause only
  };

  // `who` starts the log lines ("event_loop", "reactor master").
  explicit ExhaustionRefuser(std::string who);

  // accept() on the non-blocking `listen_fd` returned kOutOfDescriptors with `error`; `detail`
  // goes into the episode's first log line (e.g. "12 connections open"). Says what to do next.
  Next out_of_descriptors(int listen_fd, int error, std::string_view detail = {});

  // A connection was accepted: ends the episode, if one runs.
  void accepted() { backoff_.accepted(); }

  const AcceptBackoff& backoff() const { return backoff_; }

 private:
  ReserveDescriptor reserve_;
  AcceptBackoff backoff_;
};

}  // namespace archbench
