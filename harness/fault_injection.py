"""Faults injected during a run: the common machinery, and the process-level faults.

Every fault is a `Fault`: a thread that waits until its time in the run, injects, and always
cleans up (sockets closed, threads ended) in a `finally`, with every wait bounded. It records
when the fault started and ended on the monotonic clock, so the run can cut the load client's
request log at those moments (fault_analysis.py) and say what the fault did to the good load.

This file holds the base class and the two faults that act on processes:

- `kill_worker`: kill -9 one worker halfway through the load, then watch the process tree until
  the count is back. The victim is a *leaf* of the tree (a process with no children), so for the
  reactor it is a worker rather than the manager, and for nginx a worker, not the master; for
  fork-per-connection designs it is a connection's child, and the count comes back as new
  connections arrive.
- `reload`: the architecture's graceful reload signal (reactor: SIGUSR1 to the master, which the
  manager turns into one-by-one worker replacement; nginx: SIGHUP), then watch until no process
  that was a leaf at the signal is left and there are as many leaves as before. Architectures
  without a reload are "not applicable", with the reason.

The socket-level faults are in fault_sockets.py and fault_requests.py; fault_run.py wires them
into a run.

Thread-safety: a Fault's thread writes `result`, `started_at` and `ended_at`; read them after
join() (which is bounded; `join_timed_out` in the result says when the thread outlived it).
"""
from __future__ import annotations

import os
import pathlib
import signal
import threading
import time
from dataclasses import dataclass
from typing import Any, ClassVar, Optional

from harness.proc_sampler import descendants

POLL_S = 0.05
JOIN_SLACK_S = 2.0
# Faults with a window start at this fraction of the measured window, so there is a "before".
WINDOW_START_FRACTION = 0.25
# ... and leave at least this much of the measured window after them for recovery.
MIN_AFTER_S = 1.0


@dataclass(frozen=True)
class FaultTarget:
    """The server under test, as the fault sees it."""

    host: str
    port: int
    root_pid: int
    architecture: str
    proc: pathlib.Path = pathlib.Path("/proc")


@dataclass(frozen=True)
class FaultWindow:
    """When the fault acts, in seconds after the load client was started."""

    start_s: float
    length_s: float = 0.0


@dataclass(frozen=True)
class ServerSetup:
    """What a fault changes in how the server is started."""

    # Appended to our servers' flags (not nginx's).
    flags: tuple[str, ...] = ()
    # Put before the command (our servers and nginx), e.g. prlimit; it must exec the server so
    # the pid stays the one the harness started.
    command_prefix: tuple[str, ...] = ()
    # NginxConfig fields for the reference row.
    nginx: tuple[tuple[str, Any], ...] = ()


class Fault:
    """Base class. Subclasses set the class attributes and implement inject()."""

    name: ClassVar[str] = ""
    # One sentence for the report: what is done to the server.
    summary: ClassVar[str] = ""
    # An instant fault (a signal) happens halfway through the load; others last length_s.
    instant: ClassVar[bool] = False
    length_s: ClassVar[float] = 0.0
    # How long the thread may still run after the window (recovery watch, closing sockets).
    settle_bound_s: ClassVar[float] = 1.0

    def __init__(self, target: FaultTarget, window: FaultWindow) -> None:
        self.target = target
        self.window = window
        self.result: dict[str, Any] = {"fault": self.name}
        self.started_at: Optional[float] = None
        self.ended_at: Optional[float] = None
        self._origin = 0.0
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    @classmethod
    def window_for(cls, warmup_s: float, duration_s: float) -> FaultWindow:
        """Instant faults: halfway through the measured window. Others: from a quarter of it,
        for length_s, shortened so that MIN_AFTER_S of load remains after the fault."""
        if cls.instant:
            return FaultWindow(start_s=warmup_s + duration_s / 2)
        start = duration_s * WINDOW_START_FRACTION
        length = max(0.2, min(cls.length_s, duration_s - start - MIN_AFTER_S))
        return FaultWindow(start_s=warmup_s + start, length_s=length)

    @classmethod
    def not_applicable(cls, architecture: str) -> Optional[str]:
        """Why this fault means nothing for `architecture`, or None when it applies."""
        return None

    @classmethod
    def server_setup(cls) -> ServerSetup:
        """How the server must be started for this fault (default: as usual)."""
        return ServerSetup()

    def start(self, origin: float) -> None:
        """Starts the thread; `origin` is the monotonic time the load client was started.
        Call once, from the run's thread."""
        self._origin = origin
        self._thread = threading.Thread(target=self._run, name=f"fault-{self.name}",
                                        daemon=True)
        self._thread.start()

    def join(self) -> dict[str, Any]:
        """Ends the fault (the run is over), waits for the thread with a bound and returns a
        copy of the result. Call once, from the run's thread, after the load has finished."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.window.length_s + self.settle_bound_s + JOIN_SLACK_S)
            if self._thread.is_alive():
                self.result["join_timed_out"] = True
        return dict(self.result)

    def times_since_origin(self) -> Optional[tuple[float, float]]:
        """(start, end) of the fault in seconds after the load client's start, once it ran."""
        if self.started_at is None:
            return None
        end = self.ended_at if self.ended_at is not None else self.started_at
        return self.started_at - self._origin, end - self._origin

    def finished(self) -> bool:
        """True once the fault's thread has ended (its result is complete)."""
        return self._thread is not None and not self._thread.is_alive()

    def stopped(self) -> bool:
        """True once the run has ended (join was called)."""
        return self._stop.is_set()

    def wait_until(self, deadline: float) -> bool:
        """Sleeps until `deadline` (monotonic); False when the run ended first."""
        return not self._stop.wait(max(0.0, deadline - time.monotonic()))

    def inject(self, deadline: float) -> None:
        """Does the fault; a windowed fault stops at `deadline` (or when stopped())."""
        raise NotImplementedError

    def cleanup(self) -> None:
        """Releases whatever inject() holds; must be safe to call after a partial inject."""

    def _run(self) -> None:
        if self._stop.wait(max(0.0, self._origin + self.window.start_s - time.monotonic())):
            self.result["skipped"] = "run ended before the fault time"
            return
        self.started_at = time.monotonic()
        try:
            self.inject(self.started_at + self.window.length_s)
        except Exception as error:  # noqa: BLE001 - the run must go on and report it
            self.result["injector_error"] = repr(error)
        finally:
            try:
                self.cleanup()
            except Exception as error:  # noqa: BLE001
                self.result.setdefault("cleanup_error", repr(error))
            if self.ended_at is None:
                self.ended_at = time.monotonic()


def processes_below_root(target: FaultTarget) -> dict[int, int]:
    """pid → ppid of every process in the server's tree except the root."""
    return {s.pid: s.ppid for s in descendants(target.proc, target.root_pid)
            if s.pid != target.root_pid}


def choose_victim(tree_parents: dict[int, int], root: int) -> Optional[int]:
    """A leaf of the tree other than the root (the highest pid: the newest worker)."""
    parents = set(tree_parents.values())
    leaves = [pid for pid in tree_parents if pid != root and pid not in parents]
    return max(leaves) if leaves else None


def leaves_of(tree_parents: dict[int, int], root: int) -> set[int]:
    parents = set(tree_parents.values())
    return {pid for pid in tree_parents if pid != root and pid not in parents}


class KillWorker(Fault):
    """kill -9 of one leaf process, then a bounded watch until the process count is back."""

    name = "kill_worker"
    summary = "one worker (a leaf of the server's process tree) gets SIGKILL halfway through"
    instant = True
    recovery_bound_s: ClassVar[float] = 5.0
    settle_bound_s = recovery_bound_s

    def inject(self, deadline: float) -> None:
        tree = {s.pid: s.ppid for s in descendants(self.target.proc, self.target.root_pid)}
        victim = choose_victim(tree, root=self.target.root_pid)
        if victim is None:
            self.result["skipped"] = "no worker process to kill"
            return
        before = len(tree)
        killed_at = time.monotonic()
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            self.result["skipped"] = "worker exited before it could be killed"
            return
        self.started_at = self.ended_at = killed_at
        self.result.update(victim_pid=victim, processes_before=before)
        # Keep watching after the run ends: the respawn is the point, and it is bounded.
        watch_end = killed_at + self.recovery_bound_s
        while time.monotonic() < watch_end:
            pids = {s.pid for s in descendants(self.target.proc, self.target.root_pid)}
            if not pids:
                self.result.update(respawned=False, server_gone=True)
                return
            if victim not in pids and len(pids) >= before:
                self.result.update(respawned=True,
                                   respawn_ms=round((time.monotonic() - killed_at) * 1000, 1))
                return
            time.sleep(POLL_S)
        self.result.update(respawned=False, processes_after=len(
            descendants(self.target.proc, self.target.root_pid)))


# The graceful reload of each architecture that has one: the signal and what it does.
RELOAD_SIGNALS: dict[str, tuple[signal.Signals, str]] = {
    "reactor": (signal.SIGUSR1, "the manager forks a successor per worker, then retires the "
                                "old one, one slot at a time (docs/reactor.md)"),
    "nginx": (signal.SIGHUP, "the master starts new workers; the old ones finish their "
                             "requests, close idle keep-alive connections and exit"),
}
NO_RELOAD_SINGLE_PROCESS = ("one process and no workers: a new version means a restart, which "
                            "closes the listening socket")
NO_RELOAD_FORKED = ("forks its workers from the running image and has no reload signal (a "
                    "killed worker is only respawned: see the kill group)")
NO_RELOAD_REASONS = {
    "iterative": NO_RELOAD_SINGLE_PROCESS, "select_loop": NO_RELOAD_SINGLE_PROCESS,
    "event_loop": NO_RELOAD_SINGLE_PROCESS, "asio": NO_RELOAD_SINGLE_PROCESS,
    "threads": "one process (threads, no worker processes): a new version means a restart, "
               "which closes the listening socket",
    "prefork": NO_RELOAD_FORKED, "worker_pool": NO_RELOAD_FORKED,
    "fork_limited": "a child per connection, forked from the running image; no reload signal",
    "socketpair_workers": "children forked from the running image; no reload signal",
}


class ReloadWorkers(Fault):
    """The reload signal halfway through, then a bounded watch until every worker that existed
    at the signal has been replaced."""

    name = "reload"
    summary = ("the architecture's graceful reload signal halfway through (reactor SIGUSR1, "
               "nginx SIGHUP)")
    instant = True
    replace_bound_s: ClassVar[float] = 8.0
    settle_bound_s = replace_bound_s

    @classmethod
    def not_applicable(cls, architecture: str) -> Optional[str]:
        if architecture in RELOAD_SIGNALS:
            return None
        return "no graceful reload: " + NO_RELOAD_REASONS.get(
            architecture, "the architecture documents no reload signal")

    def inject(self, deadline: float) -> None:
        sig, how = RELOAD_SIGNALS[self.target.architecture]
        tree = processes_below_root(self.target)
        old = leaves_of(tree, self.target.root_pid)
        if not old:
            self.result["skipped"] = "no worker process to replace"
            return
        self.result.update(signal=sig.name, how=how, workers_before=len(old))
        sent_at = time.monotonic()
        os.kill(self.target.root_pid, sig)
        self.started_at = self.ended_at = sent_at
        # Bounded, and independent of the run's end: the replacement is what is measured.
        watch_end = sent_at + self.replace_bound_s
        while time.monotonic() < watch_end:
            now_tree = processes_below_root(self.target)
            if not now_tree and not os.path.exists(self.target.proc / str(self.target.root_pid)):
                self.result.update(replaced=False, server_gone=True)
                return
            leaves = leaves_of(now_tree, self.target.root_pid)
            if not (old & set(now_tree)) and len(leaves) >= len(old):
                self.ended_at = time.monotonic()
                self.result.update(replaced=True, workers_after=len(leaves),
                                   replace_ms=round((self.ended_at - sent_at) * 1000, 1))
                return
            time.sleep(POLL_S)
        self.ended_at = time.monotonic()
        remaining = old & set(processes_below_root(self.target))
        self.result.update(replaced=False, old_workers_left=len(remaining))
