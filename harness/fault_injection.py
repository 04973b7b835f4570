"""Faults injected during a run. Today: `kill_worker` (kill -9 one worker process mid-run).

The question a reader asks of a prefork or worker-pool design is "what happens when a worker
dies?". The harness answers it by killing one worker halfway through the load and watching the
process tree: how many requests failed (the load client's error counts) and whether, and how
fast, the server got back to its previous number of processes.

The victim is a *leaf* of the server's tree (a process with no children of its own), so for the
reactor model it is a worker rather than the manager, and for nginx a worker, not the master.
For fork-per-connection designs the victim is a connection's child: the count comes back as new
connections arrive, which is what "recovery" means for them.

Thread-safety: a KillWorker runs on its own thread (start/join); its result is read after join.
"""
from __future__ import annotations

import os
import pathlib
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from harness.proc_sampler import descendants

RECOVERY_BOUND_S = 5.0
POLL_S = 0.05


@dataclass
class KillWorker:
    """Kills one leaf process of `root_pid`'s tree after `delay_s`, then watches for recovery."""

    root_pid: int
    delay_s: float
    proc: pathlib.Path = pathlib.Path("/proc")
    result: dict[str, Any] = field(default_factory=dict)
    _thread: Optional[threading.Thread] = None
    _cancel: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="kill-worker", daemon=True)
        self._thread.start()

    def join(self) -> dict[str, Any]:
        """Waits (bounded) for the fault to finish; returns what happened."""
        self._cancel.set()
        if self._thread is not None:
            self._thread.join(timeout=RECOVERY_BOUND_S + 2)
        return self.result

    def _run(self) -> None:
        self.result = {"fault": "kill_worker"}
        if self._cancel.wait(self.delay_s):
            self.result["skipped"] = "run ended before the fault time"
            return
        tree = descendants(self.proc, self.root_pid)
        victim = choose_victim(tree_parents={s.pid: s.ppid for s in tree}, root=self.root_pid)
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
        self.result.update(victim_pid=victim, processes_before=before)
        deadline = killed_at + RECOVERY_BOUND_S
        # Keep watching even after the run ends (cancel): recovery is the point, and it is bounded.
        while time.monotonic() < deadline:
            pids = {s.pid for s in descendants(self.proc, self.root_pid)}
            if not pids:
                self.result.update(recovered=False, server_gone=True)
                return
            if victim not in pids and len(pids) >= before:
                self.result.update(recovered=True,
                                   recovery_ms=round((time.monotonic() - killed_at) * 1000, 1))
                return
            time.sleep(POLL_S)
        self.result.update(recovered=False,
                           processes_after=len(descendants(self.proc, self.root_pid)))


def choose_victim(tree_parents: dict[int, int], root: int) -> Optional[int]:
    """A leaf of the tree other than the root (the highest pid: the newest worker)."""
    parents = set(tree_parents.values())
    leaves = [pid for pid in tree_parents if pid != root and pid not in parents]
    return max(leaves) if leaves else None
