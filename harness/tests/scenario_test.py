"""Scenario files: every one loads, names only known architectures and protocols, and expands
to the runs its description promises."""
from __future__ import annotations

import json
import unittest

from harness import registry
from harness.scenario import (FAULTS, load_scenario, parse_scenario, scenario_dir,
                              scenario_names)
from harness.tests import junit

EXPECTED = ["c10k", "concurrency_sweep", "faults", "http_plaintext", "quick", "stevens",
            "timers", "websocket"]


class ScenarioFilesTest(unittest.TestCase):
    def test_every_bazel_scenario_has_a_file(self) -> None:
        self.assertEqual(scenario_names(), EXPECTED)

    def test_files_load_and_reference_known_architectures(self) -> None:
        known = set(registry.known_ids())
        for name in EXPECTED:
            scenario = load_scenario(name)
            self.assertEqual(scenario.name, name)
            self.assertTrue(scenario.description)
            self.assertLessEqual(scenario.architecture_ids(), known, name)
            for spec in scenario.runs():
                self.assertIn(spec.protocol, registry.PROTOCOLS)
            raw = json.loads((scenario_dir() / f"{name}.json").read_text())
            for group in raw["groups"]:
                for arch_id in group.get("architecture_load", {}):
                    self.assertIn(arch_id, known)

    def test_quick_is_every_architecture_times_every_protocol_under_ten_minutes(self) -> None:
        quick = load_scenario("quick")
        runs = quick.runs()
        pairs = {(r.architecture, r.protocol) for r in runs}
        for arch in registry.ARCHITECTURES:
            for protocol in registry.PROTOCOLS:
                self.assertIn((arch.id, protocol), pairs)
        self.assertIn(("nginx", "http"), pairs)
        self.assertNotIn(("nginx", "echo"), pairs)
        self.assertLess(sum(r.expected_seconds() for r in runs), 600)
        assert quick.time_budget_s is not None
        self.assertLess(quick.time_budget_s, 600)
        iterative = [r for r in runs if r.architecture == "iterative"]
        self.assertTrue(all(r.load.connections == 1 for r in iterative))

    def test_sweep_connections(self) -> None:
        runs = load_scenario("concurrency_sweep").runs()
        prefork_echo = [r.load.connections for r in runs
                        if r.architecture == "prefork" and r.protocol == "echo"]
        self.assertEqual(sorted(prefork_echo), [1, 4, 16, 64, 256, 1024])

    def test_stevens_has_the_nine_designs_with_the_books_columns(self) -> None:
        runs = load_scenario("stevens").runs()
        self.assertEqual([r.extra["row"] for r in runs], list(range(9)))
        self.assertEqual([r.extra["bsd_os"] for r in runs],
                         ["0.0", "29.6", "1.8", "2.7", "–", "6.1", "–", "–", "–"])
        self.assertEqual([r.extra["third_edition"] for r in runs],
                         ["0.00", "20.90", "1.80", "2.07", "1.75", "2.58", "0.99", "1.93",
                          "2.05"])
        for run in runs:
            self.assertEqual(run.load.processes, 5)
            self.assertEqual(run.load.requests, 500)
            self.assertFalse(run.load.keepalive)
            self.assertEqual(run.load.path, "/bytes?n=4000")
            self.assertTrue(run.trace)
        fork = runs[1]
        self.assertEqual(fork.server_flags[-2:], ("--max-procs", "0"))

    def test_faults_has_a_group_per_fault_for_every_architecture(self) -> None:
        scenario = load_scenario("faults")
        runs = scenario.runs()
        self.assertEqual({spec.fault for spec in runs}, set(FAULTS))
        for spec in runs:
            if spec.fault == "kill_worker":
                self.assertTrue(registry.architecture(spec.architecture).has_worker_processes)
                continue
            self.assertEqual(spec.protocol, "http")
        every = set(registry.known_ids())  # nginx too: rows that do not apply say why
        for fault in set(FAULTS) - {"kill_worker"}:
            self.assertEqual({s.architecture for s in runs if s.fault == fault}, every, fault)
        connection_per_request = {"slowloris", "slow_body", "malformed_storm",
                                  "disconnect_mid_reply", "descriptor_exhaustion"}
        for spec in runs:
            if spec.fault in connection_per_request:
                self.assertFalse(spec.load.keepalive)
        reload_reactor = [s for s in runs if s.fault == "reload" and s.architecture == "reactor"]
        self.assertEqual(reload_reactor[0].server_flags, ("--task-workers", "0"))
        # The whole scenario stays under 20 minutes (expected times; nginx and n/a included).
        self.assertLess(sum(spec.expected_seconds() for spec in runs), 20 * 60)
        self.assertLessEqual(scenario.time_budget_s or 0, 20 * 60)

    def test_c10k_holds_ten_thousand_idle(self) -> None:
        for spec in load_scenario("c10k").runs():
            self.assertEqual(spec.idle_connections, 10000)
            self.assertEqual(spec.load.connections, 100)


class ParseScenarioTest(unittest.TestCase):
    def test_unknown_architecture_is_refused(self) -> None:
        with self.assertRaises(KeyError):
            parse_scenario({"name": "x", "groups": [{"architectures": ["nope"]}]})

    def test_unknown_protocol_and_fault_are_refused(self) -> None:
        with self.assertRaises(ValueError):
            parse_scenario({"name": "x", "groups": [{"protocols": ["ftp"]}]})
        with self.assertRaises(ValueError):
            parse_scenario({"name": "x", "groups": [{"fault": "meteor"}]})

    def test_unknown_load_key_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            parse_scenario({"name": "x", "groups": [{"load": {"conns": 3}}]})

    def test_precedence_defaults_protocol_group_sweep_architecture(self) -> None:
        scenario = parse_scenario({
            "name": "x", "defaults": {"connections": 2, "message_size": 1},
            "groups": [{"architectures": ["iterative", "asio"], "protocols": ["echo"],
                        "load": {"duration_s": 9}, "sweep": {"pipeline": [1, 4]},
                        "server_flags": ["--backlog", "8"],
                        "architecture_load": {"iterative": {"connections": 1}}}]})
        runs = scenario.runs()
        self.assertEqual(len(runs), 4)
        asio = [r for r in runs if r.architecture == "asio"]
        self.assertEqual([r.load.pipeline for r in asio], [1, 4])
        self.assertEqual(asio[0].load.message_size, 64)  # the protocol default beats defaults
        self.assertEqual(asio[0].load.connections, 2)
        self.assertEqual(asio[0].load.duration_s, 9)
        self.assertEqual(asio[0].server_flags, ("--backlog", "8"))
        self.assertEqual({r.load.connections for r in runs if r.architecture == "iterative"}, {1})


if __name__ == "__main__":
    junit.main()
