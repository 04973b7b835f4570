"""What a fault did to the well-behaved load: requests lost, latency before vs during, recovery.

The load client's summary covers the whole measured window, which hides a two-second stall in
a five-second run. So fault runs ask it for its request log (`--log-requests`: one CSV line per
measured request with its intended start, latency and outcome, times from the client's start)
and this module cuts that log at the fault's start and end, which the harness records on the
same monotonic clock relative to the moment it started the client (the client's own start is a
few milliseconds later: exec and flag parsing; far below the 100 ms bins used here).

Definitions (the scenario notes and the Markdown report repeat them):

- **lost**: measured requests that ended without a verified 2xx reply (timeout, reset, wrong
  reply, non-2xx status), counted per request from the log.
- **before / during / after**: requests by intended start in [measure start, fault start),
  [fault start, fault end) and [fault end, measure end). An instant fault (kill, reload signal)
  gets a "during" of MIN_DURING_S after it.
- **p50 / p99**: nearest-rank percentiles of the verified replies' latency (from the intended
  start, as the client measures it) in a phase.
- **first reply**: from the fault end to the first verified reply completed at or after it.
- **recovery**: from the fault end to the start of the first 100 ms bin (bins laid from the fault
  end, requests by completion time) that, with the bin after it, has at least 90 % of the mean
  verified replies per 100 ms before the fault; None when that does not happen before the
  measured window ends.

Thread-safety: pure functions over their arguments.
"""
from __future__ import annotations

import csv
import math
import pathlib
from dataclasses import dataclass
from typing import Any, Iterable, Optional

BIN_S = 0.1
RECOVERED_FRACTION = 0.9
SUSTAINED_BINS = 2
MIN_DURING_S = 1.0
GOOD_OUTCOMES = ("ok",)


@dataclass(frozen=True)
class LoggedRequest:
    """One line of the request log, in seconds from the client's start."""

    intended_s: float
    latency_s: float
    outcome: str

    @property
    def verified(self) -> bool:
        return self.outcome in GOOD_OUTCOMES

    @property
    def completed_s(self) -> float:
        return self.intended_s + self.latency_s


@dataclass(frozen=True)
class FaultTimes:
    """The measured window and the fault, in seconds from the load client's start."""

    measure_start_s: float
    measure_end_s: float
    fault_start_s: float
    fault_end_s: float

    def during_end_s(self) -> float:
        return min(self.measure_end_s, max(self.fault_end_s, self.fault_start_s + MIN_DURING_S))


def read_request_log(path: pathlib.Path) -> list[LoggedRequest]:
    """Parses the load client's `--log-requests` CSV; raises ValueError on a malformed file."""
    requests: list[LoggedRequest] = []
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        needed = {"intended_us", "latency_us", "outcome"}
        if reader.fieldnames is None or not needed <= set(reader.fieldnames):
            raise ValueError(f"{path.name}: expected columns {sorted(needed)}, "
                             f"got {reader.fieldnames}")
        for row in reader:
            requests.append(LoggedRequest(intended_s=float(row["intended_us"]) / 1e6,
                                          latency_s=float(row["latency_us"]) / 1e6,
                                          outcome=row["outcome"]))
    return requests


def percentile(sorted_values: list[float], q: float) -> Optional[float]:
    """Nearest-rank percentile (q in 0..100) of an ascending list; None when empty."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def phase_summary(requests: Iterable[LoggedRequest], start_s: float, end_s: float
                  ) -> dict[str, Any]:
    """Counts, verified rate and p50/p99 (µs) of the requests intended in [start_s, end_s)."""
    inside = [r for r in requests if start_s <= r.intended_s < end_s]
    latencies = sorted(r.latency_s * 1e6 for r in inside if r.verified)
    length = max(0.0, end_s - start_s)
    return {
        "start_s": round(start_s, 3), "end_s": round(end_s, 3), "requests": len(inside),
        "verified": len(latencies), "lost": len(inside) - len(latencies),
        "verified_per_s": round(len(latencies) / length, 1) if length > 0 else None,
        "p50_us": _round(percentile(latencies, 50)), "p99_us": _round(percentile(latencies, 99)),
    }


def recovery_after(requests: list[LoggedRequest], times: FaultTimes) -> dict[str, Any]:
    """first_reply_ms and recovery_ms (see the module doc); None where it did not happen."""
    verified_done = sorted(r.completed_s for r in requests if r.verified)
    before_length = times.fault_start_s - times.measure_start_s
    before = sum(1 for t in verified_done if times.measure_start_s <= t < times.fault_start_s)
    first = next((t for t in verified_done if t >= times.fault_end_s), None)
    out: dict[str, Any] = {
        "first_reply_ms": (round((first - times.fault_end_s) * 1000, 1)
                           if first is not None and first < times.measure_end_s else None),
        "recovery_ms": None, "baseline_per_bin": None,
    }
    if before_length < BIN_S or before == 0:
        out["recovery_note"] = "no verified replies before the fault to compare with"
        return out
    baseline = before / before_length * BIN_S
    out["baseline_per_bin"] = round(baseline, 1)
    bins = int((times.measure_end_s - times.fault_end_s) / BIN_S + 1e-9)
    counts = [0] * max(0, bins)
    for t in verified_done:
        index = math.floor((t - times.fault_end_s) / BIN_S)
        if 0 <= index < len(counts):
            counts[index] += 1
    good = [count >= RECOVERED_FRACTION * baseline for count in counts]
    for index in range(len(good)):
        window = good[index:index + SUSTAINED_BINS]
        # The last bin of the window counts alone: the run ends, not the recovery.
        if window and all(window):
            out["recovery_ms"] = round(index * BIN_S * 1000, 1)
            break
    else:
        out["recovery_note"] = (f"throughput not back to {RECOVERED_FRACTION:.0%} of before "
                                f"within the {len(counts) * BIN_S:.1f} s left of the load")
    return out


def analyse(requests: list[LoggedRequest], times: FaultTimes) -> dict[str, Any]:
    """Everything the faults report shows about the good load, as one JSON-able dict."""
    lost_by_outcome: dict[str, int] = {}
    for request in requests:
        if not request.verified:
            lost_by_outcome[request.outcome] = lost_by_outcome.get(request.outcome, 0) + 1
    during_end = times.during_end_s()
    result: dict[str, Any] = {
        "fault_start_s": round(times.fault_start_s - times.measure_start_s, 3),
        "fault_end_s": round(times.fault_end_s - times.measure_start_s, 3),
        "requests": len(requests), "lost": sum(lost_by_outcome.values()),
        "lost_by_outcome": lost_by_outcome,
        "before": phase_summary(requests, times.measure_start_s, times.fault_start_s),
        "during": phase_summary(requests, times.fault_start_s, during_end),
        "after": phase_summary(requests, during_end, times.measure_end_s),
    }
    for phase in ("before", "during", "after"):  # relative to the measured window's start
        for key in ("start_s", "end_s"):
            result[phase][key] = round(result[phase][key] - times.measure_start_s, 3)
    result.update(recovery_after(requests, times))
    return result


def analyse_file(path: pathlib.Path, times: FaultTimes) -> dict[str, Any]:
    """analyse() of a log file, or {"unavailable": reason} when there is no usable log."""
    if not path.is_file():
        return {"unavailable": "the load client wrote no request log"}
    try:
        requests = read_request_log(path)
    except (OSError, ValueError) as error:
        return {"unavailable": f"unreadable request log: {error}"}
    return analyse(requests, times)


def _round(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value, 1)
