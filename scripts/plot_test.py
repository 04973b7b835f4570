"""//scripts:plot renders a small synthetic results file to legible PNGs."""
from __future__ import annotations

import pathlib
import tempfile
import unittest

from harness import registry
from harness.results import Machine, ResultsDocument, RunRecord, ServerCost, write_results
from harness.tests import junit
from scripts.plot import main, plot

ARCHS = ["iterative", "prefork", "event_loop", "threads", "asio"]


def run(arch: str, protocol: str, connections: int, rps: float, verdict: str = "ok",
        **extra) -> RunRecord:
    return RunRecord(
        architecture=arch, protocol=protocol, reference=arch == "nginx",
        parameters={"connections": connections}, throughput_rps=rps,
        latency_us={"p50": 1e6 / rps * connections, "p90": 2e6 / rps * connections,
                    "p99": 5e6 / rps * connections, "p99.9": 9e6 / rps * connections,
                    "max": 2e7 / rps * connections},
        cost=ServerCost(cpu_seconds=rps / 20000, cpu_per_request_us=30 + len(arch)),
        verdict=verdict, extra=dict(extra))


def synthetic_document(scenario: str = "quick") -> ResultsDocument:
    doc = ResultsDocument(scenario=scenario, machine=Machine(cpus=2, kernel="6.1"),
                          git_revision="0123456789abcdef")
    for i, arch in enumerate(ARCHS + ["nginx"]):
        for protocol in registry.PROTOCOLS if arch != "nginx" else ("http",):
            for connections in (1, 16, 256):
                rps = 5000.0 * (i + 1) * (connections ** 0.3)
                verdict = "errors" if arch == "iterative" and connections > 1 else "ok"
                doc.runs.append(run(arch, protocol, connections, rps, verdict,
                                    group="idle" if connections == 1 else "under load",
                                    memory_per_connection_bytes=2000 * (i + 1)))
    for row, arch in enumerate(["iterative", "prefork", "threads"]):
        doc.runs.append(run(arch, "http", 1, 1000.0, row=row, design=f"design {row}",
                            third_edition=["0.00", "1.80", "–"][row]))
    return doc


class PlotTest(unittest.TestCase):
    def test_renders_every_chart_as_png(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            out = pathlib.Path(tmp)
            doc = synthetic_document()
            written = write_results(doc, out, "md")
            paths = plot(written.json_path)
            names = sorted(p.name for p in paths)
            self.assertEqual(names, sorted([
                "headline.png", "throughput_vs_connections.png", "latency_percentiles.png",
                "cpu_per_request.png", "memory_per_connection.png", "timer_lateness.png",
                "stevens_cpu.png"]))
            for path in paths:
                self.assertEqual(path.parent, out)
                self.assertEqual(path.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")
                self.assertGreater(path.stat().st_size, 10_000)

    def test_empty_results_write_nothing(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            doc = ResultsDocument(scenario="x", machine=Machine(cpus=2, kernel="k"))
            written = write_results(doc, pathlib.Path(tmp), "md")
            self.assertEqual(plot(written.json_path), [])

    def test_cli_errors(self) -> None:
        self.assertEqual(main(["/nonexistent/results.json"]), 2)
        with tempfile.NamedTemporaryFile("w", suffix=".json") as bad:
            bad.write("{}")
            bad.flush()
            self.assertEqual(main([bad.name]), 2)


if __name__ == "__main__":
    junit.main()
