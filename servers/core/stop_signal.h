// Graceful stop on SIGTERM/SIGINT, for loops that block in accept/poll/select/epoll.
//
// The self-pipe trick: the signal handler only writes one byte into a pipe whose read end every
// loop watches next to its sockets. The byte is never drained, so once a stop is requested the
// read end stays readable: every poller in every thread of the process wakes up, now and in any
// later wait. That is why a loop needs no EINTR dance and no race window between "check the flag"
// and "block in the syscall".
//
// SIGPIPE is ignored: a write to a closed peer then fails with EPIPE, which the drivers treat as
// "peer gone" instead of the whole server dying.
//
// Thread-safety: install_stop_handlers() once, from main, before starting threads.
// stop_fd()/stop_requested()/request_stop() are safe from any thread (and request_stop from a
// signal handler).
#pragma once

namespace archbench {

// Installs SIGTERM/SIGINT handlers (without SA_RESTART: a blocked syscall also gets EINTR) and
// ignores SIGPIPE. Calling it again is harmless.
void install_stop_handlers();

// The read end of the stop pipe: readable (POLLIN) once a stop was requested. Never read it.
int stop_fd();

// True once SIGTERM/SIGINT arrived or request_stop() was called.
bool stop_requested();

// Asks for a stop from code (tests, a fatal error in a loop). Async-signal-safe.
void request_stop();

// For a forked child that keeps running server code: gives the child its own stop pipe (closing
// the inherited one), so a stop requested in the child wakes only the child and a pending stop of
// the parent is not inherited by surprise. Handlers stay installed (they survive fork).
void reinit_stop_after_fork();

}  // namespace archbench
