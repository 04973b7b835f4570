"""--repeat K: K records of the same run folded into one with medians and a spread.

The machine is shared by client and server (2 cores), so single runs wobble; DESIGN.md asks for
medians. Every number is the median of the K runs; `spread` keeps min and max of the headline
numbers so a reader can see how much they moved. Errors are *summed* over the repeats (an error
in any run is worth seeing), and the verdict is the worst of the K.

Thread-safety: pure functions.
"""
from __future__ import annotations

import statistics
from dataclasses import fields
from typing import Optional

from harness.results import PERCENTILES, RunRecord, ServerCost
from harness.verdict import worst


def _median(values: list[Optional[float]]) -> Optional[float]:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _span(values: list[Optional[float]]) -> list[Optional[float]]:
    present = [v for v in values if v is not None]
    return [min(present), max(present)] if present else [None, None]


def _as_int(value: Optional[float]) -> Optional[int]:
    return int(round(value)) if value is not None else None


def aggregate(records: list[RunRecord]) -> RunRecord:
    """One record for K repeats of the same run (records[0] gives the identity fields)."""
    if not records:
        raise ValueError("aggregate needs at least one record")
    if len(records) == 1:
        return records[0]
    first = records[0]
    merged = RunRecord(architecture=first.architecture, protocol=first.protocol,
                       variant=first.variant, reference=first.reference,
                       parameters=dict(first.parameters), extra=dict(first.extra))
    merged.repeats = len(records)
    merged.requests = _as_int(_median([r.requests for r in records]))
    merged.throughput_rps = _median([r.throughput_rps for r in records])
    merged.throughput_bps = _median([r.throughput_bps for r in records])
    merged.latency_us = {p: _median([r.latency_us.get(p) for r in records]) for p in PERCENTILES}
    cost_values = {}
    for f in fields(ServerCost):
        value = _median([getattr(r.cost, f.name) for r in records])
        cost_values[f.name] = value if f.name in (
            "cpu_seconds", "cpu_per_request_us", "lifetime_cpu_seconds") else _as_int(value)
    merged.cost = ServerCost(**cost_values)
    for record in records:
        for name, count in record.errors.items():
            merged.errors[name] = merged.errors.get(name, 0) + count
    merged.verdict = worst([r.verdict for r in records])
    reasons: list[str] = []
    for record in records:
        if record.detail and record.detail not in reasons:
            reasons.append(record.detail)
    merged.detail = "; ".join(reasons)
    merged.spread = {
        "throughput_rps": _span([r.throughput_rps for r in records]),
        "latency_p99_us": _span([r.latency_us.get("p99") for r in records]),
        "cpu_seconds": _span([r.cost.cpu_seconds for r in records]),
    }
    merged.extra["repeat_throughput_rps"] = [r.throughput_rps for r in records]
    return merged
