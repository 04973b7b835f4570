"""Sampling a server's whole process tree from /proc: CPU, memory, processes, threads, switches.

Why a tree and not a pid: prefork, fork_limited, worker_pool and reactor do their work in
children, and nginx in its workers. The sampler walks every descendant of the server's pid each
tick (default every 100 ms) and adds up:

- CPU: utime+stime of every live process, plus cutime+cstime of every live process. The second
  term is where the CPU of children that were already reaped lives (fork-per-connection children
  live for milliseconds, far shorter than a tick), and a live child is never in its parent's
  cutime, so nothing is counted twice. A child reaped by something outside the tree is lost:
  the cost of not being ptrace. /proc/<pid>/stat reports whole clock ticks (10 ms), truncated
  per process, so 15 prefork children each using 5 ms would add up to zero; for a
  single-threaded process the sampler reads the nanosecond run time from /proc/<pid>/schedstat
  instead (for a threaded one that file covers only the main thread, so ticks stay).
- RSS: VmRSS summed over the tree (shared pages counted in every process, like `ps`: an upper
  bound for forked designs), peak over the window.
- processes and threads: peak counts.
- context switches: voluntary and involuntary, per thread (the counters in /proc/<pid>/status
  cover only the main thread), remembered per thread id so a thread that exits keeps its count.
  A process with more than `task_scan_threshold` threads is scanned every tenth tick only.

The walk reads every /proc/<pid>/stat on the machine (this kernel has no `children` files), so
a tick with thousands of processes is slow; the interval stretches to twice the last walk's time.

Thread-safety: a TreeSampler runs one background thread; start(), stop(), mark() and summary()
may be called from one controlling thread. The read_* functions are pure and thread-safe.
"""
from __future__ import annotations

import os
import pathlib
import threading
import time
from dataclasses import dataclass, field
from typing import Optional

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcessStat:
    """The fields of /proc/<pid>/stat the sampler needs (times in clock ticks)."""

    pid: int
    ppid: int
    state: str
    utime: int
    stime: int
    cutime: int
    cstime: int
    threads: int


def parse_stat(text: str) -> ProcessStat:
    """Parses one /proc/<pid>/stat line; the command may contain spaces and parentheses."""
    head, _, rest = text.rpartition(")")
    pid = int(head.split("(", 1)[0])
    fields = rest.split()
    # fields[0] is field 3 (state) of proc(5); field n is fields[n - 3].
    return ProcessStat(
        pid=pid,
        ppid=int(fields[1]),
        state=fields[0],
        utime=int(fields[11]),
        stime=int(fields[12]),
        cutime=int(fields[13]),
        cstime=int(fields[14]),
        threads=int(fields[17]),
    )


def read_stat(proc: pathlib.Path, pid: int) -> Optional[ProcessStat]:
    """/proc/<pid>/stat, or None when the process is gone."""
    try:
        return parse_stat((proc / str(pid) / "stat").read_text())
    except (OSError, ValueError, IndexError):
        return None


def read_status(path: pathlib.Path) -> dict[str, str]:
    """A /proc status file as {key: value}; empty when it is gone."""
    try:
        text = path.read_text()
    except OSError:
        return {}
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            values[key.strip()] = value.strip()
    return values


def _kib(value: str) -> int:
    """'1234 kB' -> bytes."""
    parts = value.split()
    return int(parts[0]) * 1024 if parts and parts[0].isdigit() else 0


def descendants(proc: pathlib.Path, root_pid: int) -> list[ProcessStat]:
    """The root process and all its descendants that exist now (root first)."""
    stats: dict[int, ProcessStat] = {}
    for entry in os.scandir(proc):
        if entry.name.isdigit():
            stat = read_stat(proc, int(entry.name))
            if stat is not None:
                stats[stat.pid] = stat
    if root_pid not in stats:
        return []
    children: dict[int, list[int]] = {}
    for stat in stats.values():
        children.setdefault(stat.ppid, []).append(stat.pid)
    tree: list[ProcessStat] = []
    pending = [root_pid]
    while pending:
        pid = pending.pop()
        tree.append(stats[pid])
        pending.extend(children.get(pid, []))
    return tree


@dataclass(frozen=True)
class TreeSample:
    """One tick: totals over the tree at time `t` (monotonic seconds)."""

    t: float
    cpu_seconds: float
    rss_bytes: int
    processes: int
    threads: int
    pids: tuple[int, ...]


@dataclass
class TreeSummary:
    """What happened to the tree between two marks."""

    cpu_seconds: float = 0.0
    peak_rss_bytes: int = 0
    peak_processes: int = 0
    peak_threads: int = 0
    voluntary_ctx_switches: int = 0
    involuntary_ctx_switches: int = 0
    samples: int = 0


@dataclass
class TreeSampler:
    """Samples the tree under `root_pid` on a background thread until stop()."""

    root_pid: int
    interval_s: float = 0.1
    proc: pathlib.Path = pathlib.Path("/proc")
    task_scan_threshold: int = 64
    samples: list[TreeSample] = field(default_factory=list)
    _switches: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # Serialises walks: the background thread and mark() may sample at the same time.
    _walk_lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: Optional[threading.Thread] = None
    _ticks: int = 0
    _cpu_high_water: float = 0.0

    def sample_once(self) -> Optional[TreeSample]:
        """Takes one sample now (also used by tests without the thread)."""
        with self._walk_lock:
            return self._sample_locked()

    def _sample_locked(self) -> Optional[TreeSample]:
        tree = descendants(self.proc, self.root_pid)
        if not tree:
            return None
        cpu = sum(self._own_cpu_seconds(s) + (s.cutime + s.cstime) / CLOCK_TICKS for s in tree)
        rss = 0
        threads = 0
        for stat in tree:
            status = read_status(self.proc / str(stat.pid) / "status")
            rss += _kib(status.get("VmRSS", "0 kB"))
            threads += stat.threads
            self._record_switches(stat, status)
        # A process between exit and reap briefly drops out of both terms; keep the high-water
        # mark so CPU never appears to run backwards.
        self._cpu_high_water = max(self._cpu_high_water, cpu)
        sample = TreeSample(
            t=time.monotonic(),
            cpu_seconds=self._cpu_high_water,
            rss_bytes=rss,
            processes=len(tree),
            threads=threads,
            pids=tuple(s.pid for s in tree),
        )
        with self._lock:
            self.samples.append(sample)
            self._ticks += 1
        return sample

    def _own_cpu_seconds(self, stat: ProcessStat) -> float:
        ticks = (stat.utime + stat.stime) / CLOCK_TICKS
        if stat.threads != 1:
            return ticks
        try:
            nanoseconds = int((self.proc / str(stat.pid) / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return ticks
        # schedstat counts time on CPU exactly; never report less than the kernel's ticks.
        return max(ticks, nanoseconds / 1e9)

    def _record_switches(self, stat: ProcessStat, status: dict[str, str]) -> None:
        if stat.threads <= 1:
            self._store_switches(stat.pid, stat.pid, status)
            return
        if stat.threads > self.task_scan_threshold and self._ticks % 10 != 0:
            return
        try:
            tids = [int(e.name) for e in os.scandir(self.proc / str(stat.pid) / "task")]
        except OSError:
            return
        for tid in tids:
            path = self.proc / str(stat.pid) / "task" / str(tid) / "status"
            self._store_switches(stat.pid, tid, read_status(path))

    def _store_switches(self, pid: int, tid: int, status: dict[str, str]) -> None:
        try:
            counts = (int(status["voluntary_ctxt_switches"]),
                      int(status["nonvoluntary_ctxt_switches"]))
        except (KeyError, ValueError):
            return
        with self._lock:
            old = self._switches.get((pid, tid), (0, 0))
            self._switches[(pid, tid)] = (max(old[0], counts[0]), max(old[1], counts[1]))

    def switch_totals(self) -> tuple[int, int]:
        """(voluntary, involuntary) summed over every thread seen so far."""
        with self._lock:
            return (sum(v for v, _ in self._switches.values()),
                    sum(i for _, i in self._switches.values()))

    def start(self) -> None:
        """Starts the background thread (takes a first sample synchronously)."""
        self.sample_once()
        self._thread = threading.Thread(target=self._run, name="tree-sampler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            began = time.monotonic()
            self.sample_once()
            spent = time.monotonic() - began
            # Sleep the rest of the interval, or as long as the walk took when it is slow.
            self._stop.wait(max(self.interval_s - spent, spent))

    def stop(self) -> None:
        """Stops the thread (bounded: one walk at most)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def mark(self) -> "SamplerMark":
        """Takes a sample now and remembers the counters, to summarise a window later."""
        sample = self.sample_once()
        voluntary, involuntary = self.switch_totals()
        with self._lock:
            index = len(self.samples) - 1 if sample is not None else len(self.samples)
        return SamplerMark(index=index, cpu_seconds=self._cpu_high_water,
                           voluntary=voluntary, involuntary=involuntary)

    def summary(self, start: "SamplerMark", end: "SamplerMark") -> TreeSummary:
        """Totals and peaks between two marks."""
        with self._lock:
            window = self.samples[start.index:end.index + 1]
        return TreeSummary(
            cpu_seconds=max(0.0, end.cpu_seconds - start.cpu_seconds),
            peak_rss_bytes=max((s.rss_bytes for s in window), default=0),
            peak_processes=max((s.processes for s in window), default=0),
            peak_threads=max((s.threads for s in window), default=0),
            voluntary_ctx_switches=max(0, end.voluntary - start.voluntary),
            involuntary_ctx_switches=max(0, end.involuntary - start.involuntary),
            samples=len(window),
        )

    def live_pids(self) -> tuple[int, ...]:
        """The pids of the latest sample (root first)."""
        with self._lock:
            return self.samples[-1].pids if self.samples else ()


@dataclass(frozen=True)
class SamplerMark:
    """A point in the sampler's history (see TreeSampler.mark)."""

    index: int
    cpu_seconds: float
    voluntary: int
    involuntary: int
