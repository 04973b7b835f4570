"""The harness against tiny fake servers: ok, hung (no READY), crashed (before and after READY),
did not stop, /broadcast refused, children sampled, missing binaries skipped, and a whole
scenario written to results files. Bounds are shortened so the file runs in seconds."""
from __future__ import annotations

import dataclasses
import io
import json
import pathlib
import tempfile
import time
import unittest

from harness.load_client import LoadSpec
from harness.results import read_csv
from harness.runner import NotBuilt, RunOptions, run_one
from harness.scenario import RunSpec, parse_scenario
from harness.scenario_runner import ScenarioOptions, run_scenario
from harness.tests import junit
from harness.tests.fakes import make_bin_dir

FAST_LOAD = LoadSpec(connections=1, duration_s=0.4, warmup_s=0.1, message_size=32,
                     timeout_ms=500)


class RunnerTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.finder = make_bin_dir(pathlib.Path(self.tmp.name), {
            "iterative": "ok", "prefork": "forking", "select_loop": "hang",
            "event_loop": "crash", "threads": "crash-late", "asio": "no-stop",
            "reactor": "refuse-ws", "socketpair_workers": "refuse"})
        self.options = RunOptions(finder=self.finder, ready_timeout_s=1.5, stop_timeout_s=0.5,
                                  sample_interval_s=0.05)

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def run_arch(self, arch: str, **changes) -> tuple:
        spec = RunSpec(architecture=arch, protocol="echo", load=FAST_LOAD, **changes)
        began = time.monotonic()
        record = run_one(spec, self.options)
        return record, time.monotonic() - began

    def test_ok_run_measures_and_verifies(self) -> None:
        record, _ = self.run_arch("iterative")
        self.assertEqual(record.verdict, "ok", record.detail)
        self.assertGreater(record.requests, 0)
        self.assertGreater(record.throughput_rps, 0)
        self.assertIsNotNone(record.latency_us["p99"])
        self.assertEqual(record.errors, {})
        self.assertEqual(record.cost.peak_processes, 1)
        self.assertGreater(record.cost.peak_rss_bytes, 1 << 20)
        self.assertIsNotNone(record.cost.cpu_per_request_us)
        self.assertEqual(record.parameters["connections"], 1)

    def test_kept_logs_are_named_by_group_too(self) -> None:
        logs = pathlib.Path(self.tmp.name) / "logs"
        options = RunOptions(finder=self.finder, ready_timeout_s=1.5, stop_timeout_s=0.5,
                             keep_logs_dir=logs)
        for group in ("slow clients", "kill"):
            run_one(RunSpec(architecture="iterative", protocol="echo", load=FAST_LOAD,
                            group=group), options)
        self.assertEqual(sorted(p.name for p in logs.iterdir()),
                         ["iterative-default-echo-kill.stderr",
                          "iterative-default-echo-slow_clients.stderr"])

    def test_children_are_sampled(self) -> None:
        record, _ = self.run_arch("prefork")
        self.assertEqual(record.verdict, "ok", record.detail)
        self.assertEqual(record.cost.peak_processes, 3)

    def test_no_ready_is_hung_within_the_bound(self) -> None:
        record, seconds = self.run_arch("select_loop")
        self.assertEqual(record.verdict, "hung")
        self.assertIn("no READY line within 1.5 s", record.detail)
        self.assertLess(seconds, 15)  # bounded (1.5 s READY bound), not a speed check

    def test_exit_before_ready_is_crashed_with_stderr(self) -> None:
        record, seconds = self.run_arch("event_loop")
        self.assertEqual(record.verdict, "crashed")
        self.assertIn("exited (3) before READY", record.detail)
        self.assertIn("crashing on purpose", record.detail)
        self.assertLess(seconds, 15)  # bounded (1.5 s READY bound), not a speed check

    def test_exit_2_before_ready_is_unsupported(self) -> None:
        record, _ = self.run_arch("socketpair_workers")
        self.assertEqual(record.verdict, "unsupported")
        self.assertIn("server refused its flags (exit 2): fake_server: --protocol timer",
                      record.detail)

    def test_exit_during_load_is_crashed(self) -> None:
        record, _ = self.run_arch("threads")
        self.assertEqual(record.verdict, "crashed")
        self.assertIn("exited during the run (status 4)", record.detail)

    def test_ignoring_sigterm_is_hung_and_killed(self) -> None:
        record, seconds = self.run_arch("asio")
        self.assertEqual(record.verdict, "hung")
        self.assertIn("did not stop within", record.detail)
        self.assertLess(seconds, 15)  # bounded (0.5 s stop bound + SIGKILL)

    def test_broadcast_refused_is_unsupported(self) -> None:
        spec = RunSpec(architecture="reactor", protocol="websocket",
                       load=LoadSpec(duration_s=0.3, warmup_s=0, path="/broadcast"))
        record = run_one(spec, self.options)
        self.assertEqual(record.verdict, "unsupported")
        self.assertIn("501", record.detail)

    def test_missing_server_is_not_built(self) -> None:
        with self.assertRaises(NotBuilt):
            self.run_arch("worker_pool")

    def test_idle_connections_are_held_and_answered(self) -> None:
        record, _ = self.run_arch("iterative", idle_connections=20)
        self.assertEqual(record.extra["idle_connected"], 20)
        self.assertEqual(record.extra["idle_still_open"], 20)
        self.assertEqual(record.extra["idle_answered"], 20)
        self.assertIn("memory_per_connection_bytes", record.extra)

    def test_kill_worker_fault_reports_the_victim_and_the_good_load(self) -> None:
        spec = RunSpec(architecture="prefork", protocol="echo", fault="kill_worker",
                       load=LoadSpec(connections=1, duration_s=0.6, warmup_s=0.1,
                                     timeout_ms=500))
        record = run_one(spec, self.options)
        self.assertEqual(record.extra["fault"], "kill_worker")
        self.assertIn("victim_pid", record.extra)
        self.assertEqual(record.extra["processes_before"], 3)
        self.assertFalse(record.extra["respawned"])  # the fake does not respawn
        good = record.extra["good_load"]  # from the (fake) client's request log
        self.assertNotIn("unavailable", good)
        self.assertEqual(good["lost"], 0)
        self.assertAlmostEqual(good["fault_start_s"], 0.3, delta=0.2)
        self.assertGreater(good["before"]["verified"], 0)
        self.assertIsNotNone(good["before"]["p99_us"])
        self.assertNotIn("request_log", record.parameters)

    def test_fault_that_does_not_apply_is_listed_with_the_reason(self) -> None:
        record, seconds = self.run_arch("iterative", fault="reload")
        self.assertEqual(record.verdict, "unsupported")
        self.assertIn("not applicable: no graceful reload", record.detail)
        self.assertIn("no graceful reload", record.extra["not_applicable"])
        self.assertLess(seconds, 5)  # no server was started

    def test_server_refusing_the_faults_flag_is_explained(self) -> None:
        record, _ = self.run_arch("socketpair_workers", fault="slowloris")
        self.assertEqual(record.verdict, "unsupported")
        self.assertIn("this build does not take --header-timeout-ms 2000", record.detail)
        self.assertEqual(record.parameters["server_flags"][-2:],
                         ["--header-timeout-ms", "2000"])

    def test_descriptor_exhaustion_runs_the_server_under_prlimit(self) -> None:
        # A generous stop bound: this checks the prlimit wiring, not how fast a tree stops on a
        # busy CI machine (a 0.5 s bound once turned a slow stop into `hung` there).
        self.options = dataclasses.replace(self.options, stop_timeout_s=3.0)
        record, _ = self.run_arch("prefork", fault="descriptor_exhaustion")
        self.assertEqual(record.parameters["server_wrapper"][0], "prlimit")
        self.assertEqual(record.extra["server_nofile"], 128)
        self.assertIn(record.verdict, ("ok", "errors", "crashed"), record.detail)  # not a hang
        self.assertIn("good_load", record.extra)


class ScenarioRunTest(unittest.TestCase):
    def test_scenario_writes_json_csv_markdown_and_skips_unbuilt(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            root = pathlib.Path(tmp)
            finder = make_bin_dir(root / "bin", {"iterative": "ok", "event_loop": "crash"})
            scenario = parse_scenario({
                "name": "mini", "description": "d",
                "defaults": {"duration_s": 0.3, "warmup_s": 0.1, "timeout_ms": 500},
                "groups": [{"architectures": ["iterative", "event_loop", "prefork"],
                            "protocols": ["echo"], "sweep": {"connections": [1]}}]})
            stream = io.StringIO()
            document, written = run_scenario(
                scenario, RunOptions(finder=finder, ready_timeout_s=2, stop_timeout_s=1),
                ScenarioOptions(out_dir=root / "out", repeat=2), progress_stream=stream)
            self.assertEqual([(r.architecture, r.verdict) for r in document.runs],
                             [("iterative", "ok"), ("event_loop", "crashed")])
            self.assertEqual(document.runs[0].repeats, 2)
            self.assertIn("not built, skipped: //servers/prefork (1 run(s))", document.notes)
            self.assertIn("[1/2] iterative echo c=1: ok", stream.getvalue())
            raw = json.loads(written.json_path.read_text())
            self.assertEqual(raw["scenario"], "mini")
            self.assertEqual(len(read_csv(written.csv_path)), 2)
            self.assertIn("| event_loop | echo |", written.markdown_path.read_text())

    def test_without_load_client_nothing_runs(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            root = pathlib.Path(tmp)
            finder = make_bin_dir(root / "bin", {"iterative": "ok"}, load=False)
            scenario = parse_scenario({"name": "mini", "groups": [
                {"architectures": ["iterative"], "protocols": ["echo"]}]})
            document, _ = run_scenario(scenario, RunOptions(finder=finder),
                                       ScenarioOptions(out_dir=root / "out"),
                                       progress_stream=io.StringIO())
            self.assertEqual(document.runs, [])
            self.assertTrue(any("clients/load:load is not built" in n for n in document.notes))


if __name__ == "__main__":
    junit.main()
