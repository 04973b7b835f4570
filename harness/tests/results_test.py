"""The results schema: JSON round trip, CSV agreeing with JSON, Markdown, aggregation."""
from __future__ import annotations

import json
import pathlib
import tempfile
import unittest

from harness import markdown_report
from harness.aggregate import aggregate
from harness.results import (CSV_COLUMNS, Machine, ResultsDocument, RunRecord, ServerCost,
                             csv_rows, read_csv, write_results)
from harness.tests import junit


def sample_document() -> ResultsDocument:
    doc = ResultsDocument(scenario="quick", machine=Machine(cpus=2, kernel="6.1", cpu_model="x"),
                          git_revision="abc123")
    doc.runs.append(RunRecord(
        architecture="prefork", variant="accept-lock fcntl", protocol="http",
        parameters={"connections": 16, "pipeline": 1, "path": "/"}, requests=1000,
        throughput_rps=12345.678, throughput_bps=2.5e6,
        latency_us={"p50": 80.0, "p90": 120.0, "p99": 400.5, "p99.9": 900.0, "max": 1500.0},
        errors={"timeout": 2, "reset": 1},
        cost=ServerCost(cpu_seconds=1.5, cpu_per_request_us=121.5, peak_rss_bytes=10 << 20,
                        peak_processes=16, peak_threads=16, voluntary_ctx_switches=500,
                        involuntary_ctx_switches=20),
        verdict="errors", detail="3 errors (reset 1, timeout 2)", extra={"row": 3}))
    doc.runs.append(RunRecord(architecture="nginx", protocol="http", reference=True,
                              parameters={"connections": 16}, verdict="ok"))
    return doc


class ResultsTest(unittest.TestCase):
    def test_json_round_trip_keeps_every_field(self) -> None:
        doc = sample_document()
        again = ResultsDocument.from_json(doc.to_json())
        self.assertEqual(again, doc)

    def test_json_has_design_schema_keys(self) -> None:
        raw = json.loads(sample_document().to_json())
        self.assertEqual(raw["machine"]["cpus"], 2)
        self.assertEqual(raw["git_revision"], "abc123")
        run = raw["runs"][0]
        for key in ("architecture", "protocol", "parameters", "throughput_rps",
                    "throughput_bps", "latency_us", "errors", "cost", "verdict"):
            self.assertIn(key, run)
        self.assertEqual(sorted(run["latency_us"]), ["max", "p50", "p90", "p99", "p99.9"])
        self.assertEqual(run["cost"]["peak_processes"], 16)

    def test_wrong_schema_version_is_refused(self) -> None:
        raw = json.loads(sample_document().to_json())
        raw["schema_version"] = 99
        with self.assertRaises(ValueError):
            ResultsDocument.from_json(json.dumps(raw))

    def test_csv_file_agrees_with_json_rows(self) -> None:
        doc = sample_document()
        with tempfile.TemporaryDirectory() as tmp:
            written = write_results(doc, pathlib.Path(tmp), markdown_report.render(doc))
            from_csv = read_csv(written.csv_path)
            from_json = csv_rows(ResultsDocument.from_json(written.json_path.read_text()))
        self.assertEqual(from_csv, from_json)
        self.assertEqual(list(from_csv[0]), list(CSV_COLUMNS))
        first = from_csv[0]
        self.assertEqual(first["latency_p99.9_us"], "900.0")
        self.assertEqual(first["errors_total"], "3")
        self.assertEqual(json.loads(first["errors"]), {"reset": 1, "timeout": 2})
        self.assertEqual(first["throughput_rps"], "12345.678")
        self.assertEqual(from_csv[1]["throughput_rps"], "")
        self.assertEqual(from_csv[1]["reference"], "true")

    def test_markdown_lists_every_run(self) -> None:
        text = markdown_report.render(sample_document())
        self.assertIn("| prefork (accept-lock fcntl) | http | 16 | – | 12,346 |", text)
        self.assertIn("nginx (reference)", text)
        self.assertIn("errors: 3 errors (reset 1, timeout 2)", text)

    def test_no_temp_files_left(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            doc = sample_document()
            write_results(doc, pathlib.Path(tmp), "x")
            names = sorted(p.name for p in pathlib.Path(tmp).iterdir())
        self.assertEqual(names, ["results.csv", "results.json", "results.md"])


class SectionsTest(unittest.TestCase):
    def stevens_run(self, row: int, lifetime: float, window: float) -> RunRecord:
        return RunRecord(architecture="prefork", protocol="http", variant=f"v{row}",
                         cost=ServerCost(cpu_seconds=window, lifetime_cpu_seconds=lifetime),
                         extra={"row": row, "design": f"design {row}", "bsd_os": "1.8",
                                "third_edition": "1.80",
                                "connection_spread": {"summary": "2500 over 15"}})

    def test_stevens_subtracts_the_iterative_baseline_lifetime_cpu(self) -> None:
        doc = ResultsDocument(scenario="stevens", machine=Machine(cpus=2, kernel="k"))
        doc.runs = [self.stevens_run(2, 0.35, 9.0), self.stevens_run(0, 0.1, 9.0)]
        markdown_report.add_report_section(doc, "stevens")
        text = doc.sections["Design alternatives (UNP ch. 30)"]
        lines = [l for l in text.splitlines() if l.startswith("| 0 ") or l.startswith("| 2 ")]
        self.assertEqual(lines[0], "| 0 | design 0 | 1.8 | 1.80 | 0.000 | 0.100 | – | ok | "
                                   "2500 over 15 |")
        self.assertEqual(lines[1], "| 2 | design 2 | 1.8 | 1.80 | 0.250 | 0.350 | – | ok | "
                                   "2500 over 15 |")

    def test_unknown_report_adds_nothing(self) -> None:
        doc = sample_document()
        markdown_report.add_report_section(doc, "")
        self.assertEqual(doc.sections, {})


class AggregateTest(unittest.TestCase):
    def record(self, rps: float, verdict: str = "ok", errors: dict[str, int] | None = None
               ) -> RunRecord:
        return RunRecord(architecture="asio", protocol="echo", throughput_rps=rps,
                         latency_us={"p50": rps / 100, "p90": None, "p99": rps / 10,
                                     "p99.9": None, "max": None},
                         cost=ServerCost(cpu_seconds=rps / 1000, peak_rss_bytes=int(rps)),
                         verdict=verdict, errors=errors or {})

    def test_median_spread_worst_verdict_summed_errors(self) -> None:
        merged = aggregate([self.record(100), self.record(300, "errors", {"timeout": 1}),
                            self.record(200, errors={"timeout": 2})])
        self.assertEqual(merged.repeats, 3)
        self.assertEqual(merged.throughput_rps, 200)
        self.assertEqual(merged.latency_us["p99"], 20)
        self.assertIsNone(merged.latency_us["p90"])
        self.assertEqual(merged.cost.cpu_seconds, 0.2)
        self.assertEqual(merged.cost.peak_rss_bytes, 200)
        self.assertEqual(merged.spread["throughput_rps"], [100, 300])
        self.assertEqual(merged.verdict, "errors")
        self.assertEqual(merged.errors, {"timeout": 3})

    def test_single_record_is_unchanged(self) -> None:
        one = self.record(5)
        self.assertIs(aggregate([one]), one)


if __name__ == "__main__":
    junit.main()
