"""Verdicts: one word per run that says whether its numbers mean anything.

- `ok`: the server started, every reply verified (the load client exited 0 and counted no
  errors), and the server stopped as the contract says.
- `errors`: it ran, but some replies were wrong, late or missing (the counts go in the detail).
- `crashed`: the server exited on its own (before READY, during the load, or with a bad status
  after SIGTERM).
- `hung`: no READY in time, the load client had to be killed at its bound, or the server did not
  stop within 2 s of SIGTERM (or left processes behind).
- `unsupported`: the server refused the workload as the contract allows (e.g. /broadcast → 501
  on an architecture that cannot share connections), so there is nothing to measure. The detail
  reads "not supported by design: <reason>"; the reason comes from the harness's own probe or
  from the load client, which reports the server's 501 body (exit status 3, JSON verdict
  "unsupported").

When several things went wrong the most severe wins (hung > crashed > errors > unsupported > ok);
every problem still appears in the detail.

Thread-safety: pure functions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from harness.load_client import LoadResult
from harness.server_process import StartFailure, StopOutcome

SEVERITY = {"ok": 0, "unsupported": 1, "errors": 2, "crashed": 3, "hung": 4}
VERDICTS = tuple(SEVERITY)
UNSUPPORTED_PREFIX = "not supported by design"


def unsupported_detail(reason: str) -> str:
    """'not supported by design: <reason>' (the reason alone if it already says so)."""
    return reason if reason.startswith(UNSUPPORTED_PREFIX) else f"{UNSUPPORTED_PREFIX}: {reason}"


@dataclass
class Verdict:
    """A verdict word and the sentences that explain it."""

    word: str = "ok"
    reasons: list[str] = field(default_factory=list)

    def add(self, word: str, reason: str) -> None:
        """Records a problem; keeps the most severe word."""
        if SEVERITY[word] > SEVERITY[self.word]:
            self.word = word
        if reason:
            self.reasons.append(reason)

    @property
    def detail(self) -> str:
        return "; ".join(self.reasons)


def format_errors(errors: dict[str, int]) -> str:
    """'3 errors (timeout 2, reset 1)'."""
    total = sum(errors.values())
    parts = ", ".join(f"{name} {count}" for name, count in sorted(errors.items()))
    return f"{total} error{'s' if total != 1 else ''} ({parts})"


def decide(start: Optional[StartFailure] = None,
           unsupported: Optional[str] = None,
           load: Optional[LoadResult] = None,
           exited_during_load: Optional[int] = None,
           stop: Optional[StopOutcome] = None,
           expect_errors: bool = False) -> Verdict:
    """The verdict of one run from everything the harness observed.

    `expect_errors` is for fault injection: errors caused on purpose are reported in the detail
    but do not by themselves make the run `errors`.
    """
    verdict = Verdict()
    if start is not None:
        verdict.add(start.verdict, start.detail)
        return verdict
    if unsupported is not None:
        verdict.add("unsupported", unsupported_detail(unsupported))
    if load is not None:
        _judge_load(verdict, load, expect_errors)
    if exited_during_load is not None:
        verdict.add("crashed", f"server exited during the run (status {exited_during_load})")
    if stop is not None:
        problem = stop.problem()
        if problem is not None:
            crashed = stop.stopped_in_time and not stop.leftover_processes
            verdict.add("crashed" if crashed else "hung", problem)
    return verdict


def _judge_load(verdict: Verdict, load: LoadResult, expect_errors: bool) -> None:
    if load.timed_out:
        verdict.add("hung", load.message or "load client did not finish in time")
        return
    if load.unsupported is not None and not load.errors:
        # Refused as the contract allows: nothing failed, and there was nothing to measure.
        verdict.add("unsupported", unsupported_detail(load.unsupported))
        return
    if load.errors:
        verdict.add("ok" if expect_errors else "errors", format_errors(load.errors))
    elif load.exit_status not in (0, None):
        reason = f"load client exit status {load.exit_status}"
        verdict.add("ok" if expect_errors else "errors",
                    f"{reason}: {load.message}" if load.message else reason)
    elif load.exit_status is None:
        verdict.add("errors", load.message or "load client did not report")
    if load.requests == 0 and not load.errors:
        verdict.add("errors", "no request completed")


def worst(words: list[str]) -> str:
    """The most severe of several verdicts (for --repeat)."""
    return max(words, key=lambda word: SEVERITY.get(word, 0)) if words else "ok"
