"""The process-level faults against a fake process tree (fake_tree.py): kill -9 of a worker with
and without respawn, a reload that replaces every worker and one the server ignores, the fault
windows, and which architectures have a reload at all."""
from __future__ import annotations

import pathlib
import subprocess
import sys
import time
import unittest
from typing import Any

from harness.fault_injection import (Fault, FaultTarget, FaultWindow, KillWorker,
                                     ReloadWorkers, choose_victim)
from harness.fault_run import FAULTS, fault_type, not_applicable
from harness.tests import junit

FAKE_TREE = pathlib.Path(__file__).absolute().parent / "fake_tree.py"


class QuickReload(ReloadWorkers):
    replace_bound_s = 1.0
    settle_bound_s = 1.0


class QuickKill(KillWorker):
    recovery_bound_s = 1.0
    settle_bound_s = 1.0


class FakeTree:
    """fake_tree.py started with `args`, stopped on exit."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen([sys.executable, str(FAKE_TREE), *args],
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("READY"):
            raise RuntimeError(f"fake_tree did not start: {line!r}")

    def __enter__(self) -> "FakeTree":
        return self

    def __exit__(self, *_: Any) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def target(self, architecture: str) -> FaultTarget:
        return FaultTarget(host="127.0.0.1", port=1, root_pid=self.process.pid,
                           architecture=architecture)


def run_instant(fault: Fault) -> dict[str, Any]:
    """Starts `fault` at once and waits (bounded) until its watch is over."""
    fault.start(time.monotonic())
    deadline = time.monotonic() + 10
    while not fault.finished() and time.monotonic() < deadline:
        time.sleep(0.02)
    return fault.join()


class KillWorkerTest(unittest.TestCase):
    def test_respawned_worker_is_noticed(self) -> None:
        with FakeTree("--respawn") as tree:
            result = run_instant(QuickKill(tree.target("worker_pool"), FaultWindow(0.0)))
        self.assertIn("victim_pid", result)
        self.assertEqual(result["processes_before"], 3)
        self.assertTrue(result["respawned"], result)
        self.assertGreaterEqual(result["respawn_ms"], 0)

    def test_no_respawn_is_reported(self) -> None:
        with FakeTree() as tree:
            result = run_instant(QuickKill(tree.target("prefork"), FaultWindow(0.0)))
        self.assertFalse(result["respawned"])
        self.assertEqual(result["processes_after"], 2)

    def test_victim_is_a_leaf(self) -> None:
        self.assertEqual(choose_victim({10: 1, 11: 10, 12: 11}, 10), 12)


class ReloadTest(unittest.TestCase):
    def test_reload_replaces_every_worker(self) -> None:
        with FakeTree("--reload", "--children", "3") as tree:
            fault = QuickReload(tree.target("reactor"), FaultWindow(0.0))
            result = run_instant(fault)
        self.assertEqual(result["signal"], "SIGUSR1")
        self.assertEqual(result["workers_before"], 3)
        self.assertTrue(result["replaced"], result)
        self.assertEqual(result["workers_after"], 3)
        start, end = fault.times_since_origin() or (0, 0)
        self.assertGreaterEqual(end, start)  # the fault ends when the workers are replaced

    def test_ignored_reload_is_not_replaced(self) -> None:
        with FakeTree() as tree:  # SIGUSR1 ignored
            result = run_instant(QuickReload(tree.target("reactor"), FaultWindow(0.0)))
        self.assertFalse(result["replaced"])
        self.assertEqual(result["old_workers_left"], 2)

    def test_only_reactor_and_nginx_have_a_reload(self) -> None:
        self.assertIsNone(not_applicable("reload", "reactor"))
        self.assertIsNone(not_applicable("reload", "nginx"))
        for arch in ("iterative", "prefork", "worker_pool", "threads", "asio"):
            self.assertIn("no graceful reload", not_applicable("reload", arch) or "")
        self.assertIsNone(not_applicable("kill_worker", "prefork"))
        self.assertIsNone(not_applicable(None, "prefork"))


class WindowTest(unittest.TestCase):
    def test_instant_faults_come_halfway(self) -> None:
        self.assertEqual(KillWorker.window_for(0.5, 4.0), FaultWindow(start_s=2.5))

    def test_windowed_faults_start_at_a_quarter_and_leave_time_after(self) -> None:
        slowloris = fault_type("slowloris")
        self.assertEqual(slowloris.window_for(0.5, 6.0), FaultWindow(2.0, 3.0))
        short = slowloris.window_for(0.5, 4.0)  # 1 s before, 3 s would leave nothing after
        self.assertEqual(short.start_s, 1.5)
        self.assertAlmostEqual(short.length_s, 2.0)

    def test_registry(self) -> None:
        self.assertEqual(set(FAULTS), {"kill_worker", "slowloris", "slow_body", "malformed_storm",
                                       "disconnect_mid_reply", "descriptor_exhaustion",
                                       "reload"})
        with self.assertRaises(KeyError):
            fault_type("meteor")


if __name__ == "__main__":
    junit.main()
