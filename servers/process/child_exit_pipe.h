// SIGCHLD as a readable descriptor: how a supervisor learns "a child died" without polling.
//
// The same self-pipe trick as servers/core/stop_signal.h, for a different signal: the SIGCHLD
// handler writes one byte into a non-blocking pipe whose read end the supervisor polls next to
// the stop pipe. Unlike the stop pipe this one is drained, because child deaths keep coming.
//
// The order that loses no death: drain the pipe FIRST, then reap with waitpid(WNOHANG) until it
// reports nothing. A child that dies after the drain writes a fresh byte, so the next poll wakes
// again; one that dies before is found by the waitpid loop. (Signals do not queue: ten deaths may
// leave one byte; the loop, not the byte count, finds them all.)
//
// Why not signalfd: it needs SIGCHLD blocked in the parent, a mask every fork()ed child inherits
// and must remember to undo; the pipe works the same on every Unix.
//
// Thread-safety: install and drain from the parent's main thread; the handler is async-signal-safe.
#pragma once

namespace archbench::process {

// Creates the pipe and installs the SIGCHLD handler (SA_NOCLDSTOP: stopped children are not
// deaths; SA_RESTART: no stray EINTR elsewhere, poll() is woken regardless). Idempotent.
void install_child_exit_pipe();

// The read end: readable (POLLIN) once a child has ended since the last drain.
int child_exit_fd();

// Reads every pending byte (non-blocking). Call before reaping.
void drain_child_exit_pipe();

// For a freshly forked child: SIGCHLD back to its default and the inherited pipe closed, so the
// child's own (future) children can never wake the parent. fork_child() calls this.
void forget_child_exit_pipe_in_child();

}  // namespace archbench::process
