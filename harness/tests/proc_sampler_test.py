"""The process-tree sampler: /proc parsing, tree walking and totals on a fake /proc, and a real
child process tree spawned by the test."""
from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from harness.proc_sampler import CLOCK_TICKS, TreeSampler, descendants, parse_stat
from harness.tests import junit


def stat_line(pid: int, comm: str, ppid: int, utime: int, stime: int, cutime: int, cstime: int,
              threads: int, state: str = "S") -> str:
    # Fields 1..24 of proc(5); the ones the sampler does not read are zeros.
    fields = [state, ppid, pid, pid, 0, -1, 0, 0, 0, 0, 0, utime, stime, cutime, cstime,
              20, 0, threads, 0, 100, 0, 0]
    return f"{pid} ({comm}) " + " ".join(str(f) for f in fields) + "\n"


def add_process(proc: pathlib.Path, pid: int, ppid: int, ticks: tuple[int, int, int, int],
                threads: int = 1, rss_kb: int = 1000, switches: tuple[int, int] = (0, 0),
                comm: str = "srv") -> None:
    directory = proc / str(pid)
    (directory / "task" / str(pid)).mkdir(parents=True)
    directory.joinpath("stat").write_text(stat_line(pid, comm, ppid, *ticks, threads))
    status = (f"Name:\t{comm}\nThreads:\t{threads}\nVmRSS:\t{rss_kb} kB\n"
              f"voluntary_ctxt_switches:\t{switches[0]}\n"
              f"nonvoluntary_ctxt_switches:\t{switches[1]}\n")
    directory.joinpath("status").write_text(status)
    directory.joinpath("task", str(pid), "status").write_text(status)


class ParseStatTest(unittest.TestCase):
    def test_command_with_spaces_and_parentheses(self) -> None:
        stat = parse_stat(stat_line(42, "my (odd) srv", 7, 10, 20, 30, 40, 3))
        self.assertEqual((stat.pid, stat.ppid, stat.utime, stat.stime, stat.cutime, stat.cstime,
                          stat.threads), (42, 7, 10, 20, 30, 40, 3))

    def test_real_proc_self(self) -> None:
        stat = parse_stat(pathlib.Path("/proc/self/stat").read_text())
        self.assertEqual(stat.pid, os.getpid())
        self.assertGreaterEqual(stat.threads, 1)


class FakeProcTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.proc = pathlib.Path(self.tmp.name)
        add_process(self.proc, 100, 1, (10, 5, 50, 25), rss_kb=2000, switches=(7, 1))
        add_process(self.proc, 101, 100, (3, 2, 0, 0), rss_kb=1000, switches=(4, 2))
        add_process(self.proc, 102, 101, (1, 1, 0, 0), threads=4, rss_kb=500)
        add_process(self.proc, 200, 1, (999, 999, 0, 0), rss_kb=99999)  # not in the tree

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def test_descendants_are_the_whole_tree_only(self) -> None:
        pids = sorted(s.pid for s in descendants(self.proc, 100))
        self.assertEqual(pids, [100, 101, 102])
        self.assertEqual(descendants(self.proc, 999), [])

    def test_sample_adds_cpu_including_reaped_children(self) -> None:
        sampler = TreeSampler(root_pid=100, proc=self.proc)
        sample = sampler.sample_once()
        assert sample is not None
        self.assertAlmostEqual(sample.cpu_seconds, (15 + 75 + 5 + 2) / CLOCK_TICKS)
        self.assertEqual(sample.rss_bytes, 3500 * 1024)
        self.assertEqual(sample.processes, 3)
        self.assertEqual(sample.threads, 6)

    def test_switches_are_per_thread_and_remembered_after_exit(self) -> None:
        sampler = TreeSampler(root_pid=100, proc=self.proc)
        sampler.sample_once()
        self.assertEqual(sampler.switch_totals(), (11, 3))
        # Process 101 exits (its grandchild is reparented away); its counts stay in the total.
        for path in sorted((self.proc / "101").rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        (self.proc / "101").rmdir()
        sampler.sample_once()
        self.assertEqual(sampler.switch_totals(), (11, 3))

    def test_window_summary_subtracts_the_start(self) -> None:
        sampler = TreeSampler(root_pid=100, proc=self.proc)
        start = sampler.mark()
        add_process(self.proc, 103, 100, (100, 0, 0, 0), rss_kb=10000, switches=(5, 0))
        end = sampler.mark()
        summary = sampler.summary(start, end)
        self.assertAlmostEqual(summary.cpu_seconds, 100 / CLOCK_TICKS)
        self.assertEqual(summary.peak_processes, 4)
        self.assertEqual(summary.peak_rss_bytes, 13500 * 1024)
        self.assertEqual(summary.voluntary_ctx_switches, 5)
        self.assertEqual(summary.samples, 2)

    def test_cpu_never_runs_backwards(self) -> None:
        sampler = TreeSampler(root_pid=100, proc=self.proc)
        first = sampler.sample_once()
        # A child between exit and reap drops out of both CPU terms for a moment.
        (self.proc / "100" / "stat").write_text(stat_line(100, "srv", 1, 10, 5, 0, 0, 1))
        second = sampler.sample_once()
        assert first is not None and second is not None
        self.assertEqual(second.cpu_seconds, first.cpu_seconds)


BURNER = """
import os, sys, time
pids = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        sum(range(3_000_000))  # a fixed amount of work, however busy the machine is
        os._exit(0)
    pids.append(pid)
for pid in pids:
    os.waitpid(pid, 0)
times = os.times()
print(f"reaped {times.children_user + times.children_system}", flush=True)
time.sleep(30)
"""


class RealProcessTest(unittest.TestCase):
    def test_reaped_children_cpu_is_counted(self) -> None:
        child = subprocess.Popen([sys.executable, "-c", BURNER], stdout=subprocess.PIPE)
        try:
            assert child.stdout is not None
            word, children_cpu = child.stdout.readline().split()
            self.assertEqual(word, b"reaped")
            sampler = TreeSampler(root_pid=child.pid)
            sample = sampler.sample_once()
            assert sample is not None
            # The two reaped children's CPU is in the parent's cutime/cstime: the sampler sees
            # at least what the parent itself was told (os.times), in the same clock ticks.
            self.assertGreater(float(children_cpu), 0)
            self.assertGreaterEqual(sample.cpu_seconds, float(children_cpu))
            self.assertEqual(sample.processes, 1)
            self.assertGreater(sample.rss_bytes, 1 << 20)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()

    def test_background_thread_samples_a_live_tree(self) -> None:
        child = subprocess.Popen(["sleep", "20"])
        try:
            sampler = TreeSampler(root_pid=child.pid, interval_s=0.02)
            sampler.start()
            deadline = time.monotonic() + 5
            while len(sampler.samples) < 3 and time.monotonic() < deadline:
                time.sleep(0.02)
            sampler.stop()
            self.assertGreaterEqual(len(sampler.samples), 3)
            self.assertEqual(sampler.live_pids(), (child.pid,))
        finally:
            child.kill()
            child.wait()


if __name__ == "__main__":
    junit.main()
