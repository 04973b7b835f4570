"""Verdict logic: each observation maps to the right word, the most severe one wins."""
from __future__ import annotations

import unittest

from harness.load_client import LoadResult
from harness.server_process import StartFailure, StopOutcome
from harness.tests import junit
from harness.verdict import decide, format_errors, worst


def good_load() -> LoadResult:
    return LoadResult(requests=100, exit_status=0)


class VerdictTest(unittest.TestCase):
    def test_clean_run_is_ok(self) -> None:
        verdict = decide(load=good_load(), stop=StopOutcome(0, True))
        self.assertEqual((verdict.word, verdict.detail), ("ok", ""))

    def test_errors_are_counted_by_class(self) -> None:
        load = LoadResult(requests=90, exit_status=1, errors={"timeout": 2, "wrong_reply": 1})
        verdict = decide(load=load, stop=StopOutcome(0, True))
        self.assertEqual(verdict.word, "errors")
        self.assertEqual(verdict.detail, "3 errors (timeout 2, wrong_reply 1)")

    def test_client_failure_without_counts_is_errors(self) -> None:
        verdict = decide(load=LoadResult(requests=5, exit_status=1, message="bad reply"))
        self.assertEqual(verdict.word, "errors")
        self.assertIn("exit status 1: bad reply", verdict.detail)

    def test_no_request_completed_is_errors(self) -> None:
        self.assertEqual(decide(load=LoadResult(requests=0, exit_status=0)).word, "errors")

    def test_start_failures_pass_through(self) -> None:
        self.assertEqual(decide(start=StartFailure("hung", "no READY")).word, "hung")
        self.assertEqual(decide(start=StartFailure("crashed", "exit 3")).word, "crashed")

    def test_exit_during_load_is_crashed(self) -> None:
        verdict = decide(load=good_load(), exited_during_load=-11, stop=StopOutcome(-11, True))
        self.assertEqual(verdict.word, "crashed")
        self.assertIn("exited during the run (status -11)", verdict.detail)

    def test_not_stopping_is_hung(self) -> None:
        verdict = decide(load=good_load(), stop=StopOutcome(-9, False))
        self.assertEqual(verdict.word, "hung")
        self.assertIn("did not stop within 2 s", verdict.detail)

    def test_leftover_children_are_hung(self) -> None:
        verdict = decide(load=good_load(), stop=StopOutcome(0, True, leftover_processes=3))
        self.assertEqual(verdict.word, "hung")
        self.assertIn("left 3 process(es)", verdict.detail)

    def test_bad_exit_status_after_sigterm_is_crashed(self) -> None:
        verdict = decide(load=good_load(), stop=StopOutcome(1, True))
        self.assertEqual(verdict.word, "crashed")
        self.assertIn("exit status 1 after SIGTERM", verdict.detail)

    def test_client_timeout_is_hung(self) -> None:
        load = LoadResult(exit_status=None, timed_out=True, message="killed at 20 s")
        self.assertEqual(decide(load=load).word, "hung")

    def test_unsupported(self) -> None:
        verdict = decide(unsupported="/broadcast refused with 501", stop=StopOutcome(0, True))
        self.assertEqual(verdict.word, "unsupported")
        self.assertEqual(verdict.detail, "not supported by design: /broadcast refused with 501")

    def test_unsupported_reported_by_the_load_client(self) -> None:
        # Exit status 3 and no request is not an error when the client says why.
        load = LoadResult(requests=0, exit_status=3, unsupported="one process per connection")
        verdict = decide(load=load, stop=StopOutcome(0, True))
        self.assertEqual(verdict.word, "unsupported")
        self.assertEqual(verdict.detail, "not supported by design: one process per connection")

    def test_unsupported_with_errors_is_errors(self) -> None:
        load = LoadResult(requests=0, exit_status=1, unsupported="no", errors={"timeout": 1})
        self.assertEqual(decide(load=load).word, "errors")

    def test_expected_errors_from_a_fault_stay_ok_but_are_reported(self) -> None:
        load = LoadResult(requests=90, exit_status=1, errors={"reset": 4})
        verdict = decide(load=load, stop=StopOutcome(0, True), expect_errors=True)
        self.assertEqual(verdict.word, "ok")
        self.assertEqual(verdict.detail, "4 errors (reset 4)")

    def test_most_severe_wins_and_all_reasons_stay(self) -> None:
        load = LoadResult(requests=1, exit_status=1, errors={"timeout": 1})
        verdict = decide(load=load, exited_during_load=2, stop=StopOutcome(None, False))
        self.assertEqual(verdict.word, "hung")
        self.assertEqual(len(verdict.reasons), 3)

    def test_worst_and_format(self) -> None:
        self.assertEqual(worst(["ok", "errors", "unsupported"]), "errors")
        self.assertEqual(worst([]), "ok")
        self.assertEqual(format_errors({"reset": 1}), "1 error (reset 1)")


if __name__ == "__main__":
    junit.main()
