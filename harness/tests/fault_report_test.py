"""The faults section of results.md: a table per group with the fault's own columns and the
good-load columns, rows that do not apply saying why, and a refused flag saying so."""
from __future__ import annotations

import unittest

from harness import markdown_report
from harness.results import Machine, ResultsDocument, RunRecord
from harness.tests import junit


def good_load(lost: int, recovery_ms: float | None) -> dict:
    return {"lost": lost, "first_reply_ms": 12.5, "recovery_ms": recovery_ms,
            "baseline_per_bin": 500.0,
            "before": {"p50_us": 1000.0, "p99_us": 4000.0, "verified_per_s": 5000.0},
            "during": {"p50_us": 2000.0, "p99_us": 900000.0, "verified_per_s": 12.0},
            "after": {"verified_per_s": 4800.0}}


def document() -> ResultsDocument:
    doc = ResultsDocument(scenario="faults", machine=Machine(cpus=2, kernel="6"))
    doc.runs = [
        RunRecord(architecture="prefork", protocol="http", throughput_rps=5000.0,
                  errors={"timeout": 16},
                  extra={"group": "slowloris", "fault": "slowloris", "got_408": 16,
                         "other_status": 0, "closed_without_reply": 0, "no_answer": 484,
                         "never_connected": 0, "accept_queue_at_end": 496,
                         "good_load": good_load(16, None)}),
        RunRecord(architecture="event_loop", protocol="http", throughput_rps=9000.0,
                  extra={"group": "slowloris", "fault": "slowloris", "got_408": 500,
                         "good_load": good_load(0, 0.0)}),
        RunRecord(architecture="asio", protocol="http", verdict="unsupported",
                  detail="this build does not take --header-timeout-ms 2000 (the slowloris "
                         "fault needs it): server refused its flags (exit 2)",
                  extra={"group": "slowloris", "fault": "slowloris"}),
        RunRecord(architecture="iterative", protocol="http", verdict="unsupported",
                  detail="not applicable: no graceful reload: one process",
                  extra={"group": "reload under load", "fault": "reload",
                         "not_applicable": "no graceful reload: one process"}),
        RunRecord(architecture="nginx", protocol="http", reference=True,
                  extra={"group": "reload under load", "fault": "reload", "signal": "SIGHUP",
                         "workers_before": 2, "replaced": True, "replace_ms": 137.2,
                         "good_load": good_load(3, 0.0)}),
        RunRecord(architecture="threads", protocol="http",
                  extra={"group": "malformed storm", "fault": "malformed_storm",
                         "requests": 400, "answers": {"400": 250, "431": 50, "505": 100},
                         "unexpected": 0, "good_load": {"unavailable": "no log"}}),
    ]
    return doc


class FaultsSectionTest(unittest.TestCase):
    def setUp(self) -> None:
        doc = document()
        markdown_report.add_report_section(doc, "faults")
        self.text = doc.sections["Faults under load"]

    def test_a_table_per_group_with_its_own_columns(self) -> None:
        for heading in ("### slowloris", "### reload under load", "### malformed storm"):
            self.assertIn(heading, self.text)
        self.assertIn("| architecture | 408 | other status | closed, no reply | no answer |",
                      self.text)
        self.assertIn("| prefork | 16 | 0 | 0 | 484 | 0 | 496 | 16 | 16 | 5,000 → 12 → 4,800 | "
                      "1,000 → 2,000 | 4,000 → 900,000 | 12.5 | no | ok |", self.text)
        self.assertIn("| event_loop | 500 |", self.text)

    def test_not_applicable_and_refused_rows_say_why(self) -> None:
        self.assertIn("not applicable: no graceful reload: one process", self.text)
        self.assertIn("unsupported: this build does not take --header-timeout-ms 2000",
                      self.text)
        self.assertIn("| nginx (reference) | SIGHUP | 2 | 137.2 | 3 |", self.text)

    def test_answers_by_status_and_missing_analysis(self) -> None:
        self.assertIn("400 ×250, 505 ×100, 431 ×50", self.text)
        self.assertIn("No good-load analysis for some rows: no log.", self.text)

    def test_definitions_are_given(self) -> None:
        self.assertIn("**recovery**", self.text)
        self.assertIn("≥ 90%", self.text)
        self.assertIn("## Faults under load", markdown_report.render(self._rendered()))

    def _rendered(self) -> ResultsDocument:
        doc = document()
        markdown_report.add_report_section(doc, "faults")
        return doc


if __name__ == "__main__":
    junit.main()
