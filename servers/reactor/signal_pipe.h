// SIGUSR1/SIGUSR2 (and any other "please do X" signal) as bytes in a pipe, for the poll loops of
// the master, the manager and the workers.
//
// The self-pipe trick of servers/core/stop_signal.h, for signals that are requests rather than
// "stop": the handler writes the signal number as one byte; the loop reads the bytes and acts on
// each. Unlike the stop pipe it is drained, because reloads can be asked for many times.
//
// A forked child must call reinit_signal_pipe(): it inherits the handler AND the pipe, and a
// signal sent to the child would otherwise land in the pipe its parent reads.
//
// Even that leaves a window: a signal that reaches the child between fork() and the reinit runs
// the inherited handler and writes into the PARENT's pipe (the parent then acts on a request
// meant for the child, and the child never hears of it). fork_with_private_signal_pipe() closes
// the window the way fork_child() does for SIGTERM: the signals stay blocked across the fork
// until the child has its own pipe, then a pending one is delivered there.
//
// Thread-safety: install/reinit from a single-threaded process before threads start; the handler
// is async-signal-safe; take_signals() from the one thread that polls signal_pipe_fd().
#pragma once

#include <sys/types.h>

#include <functional>
#include <initializer_list>
#include <vector>

namespace archbench::reactor {

// Installs the handler for each signal (SA_RESTART) and creates the pipe. Idempotent per signal.
void install_signal_pipe(std::initializer_list<int> signals);

// For a freshly forked child: a private pipe (the handlers stay installed).
void reinit_signal_pipe();

// process::fork_child(body) with the pipe's signals blocked until the child has called
// reinit_signal_pipe() (done here, before `body`). Returns the child's pid or -1 (errno).
pid_t fork_with_private_signal_pipe(const std::function<int()>& body);

// Readable (POLLIN) when signals are waiting; -1 before install_signal_pipe().
int signal_pipe_fd();

// The signals received since the last call, in arrival order (non-blocking).
std::vector<int> take_signals();

}  // namespace archbench::reactor
