"""The faults scenario's section of results.md: one table per fault group.

Each table has the fault's own columns (what was done and how the server answered it) and the
same good-load columns for every fault (fault_analysis.py defines them; DEFINITIONS repeats it
for the reader). Rows where the fault does not apply say why instead of being left out.

Thread-safety: pure functions.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from harness.fault_analysis import BIN_S, MIN_DURING_S, RECOVERED_FRACTION
from harness.fault_run import FAULT_TYPES
from harness.results import ResultsDocument, RunRecord

DASH = "–"
DETAIL_LIMIT = 140

DEFINITIONS = (
    "Good load: the load client's requests, verified as always. **lost**: measured requests "
    "that got no verified 2xx reply (timeout, reset, wrong reply, non-2xx), from its request "
    "log. **errors**: the client's error counters over the whole run (connect, read and write "
    "errors count events, the rest requests). **p50 / p99 before → during** (µs): latency of "
    "verified replies to requests started before the fault vs while it lasted (an instant fault "
    f"— kill, reload signal — gets the {MIN_DURING_S:g} s after it). **first reply**: ms from "
    "the fault's end to the first verified reply completed after it. **recovery**: ms from the "
    f"fault's end to the start of the first {BIN_S * 1000:g} ms bin (laid from the fault's end, "
    f"replies by completion time) that, with the next bin, has ≥ {RECOVERED_FRACTION:.0%} of "
    f"the verified replies per {BIN_S * 1000:g} ms before the fault; `no` when that did not "
    "happen before the load ended. The fault's end: a kill or a reload signal is its own end "
    "(reload: the moment every worker was replaced); the other faults end when the harness "
    "closes their connections. **verified/s before → during → after**: verified replies per "
    "second by phase; on a shared machine the load's own rate drifts by 10–20 %, so a `no` "
    "recovery next to an unchanged rate is that drift, not the fault.")


def _fmt(value: Any, digits: int = 0) -> str:
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return f"{value:,.{digits}f}"
    return str(value)


def _arrow(before: Optional[float], during: Optional[float]) -> str:
    return f"{_fmt(before)} → {_fmt(during)}"


def _counts(counts: Optional[dict[str, int]]) -> str:
    """'400 ×120, 431 ×15' (largest first)."""
    if not counts:
        return DASH
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{name} ×{count}" for name, count in ordered)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _kill(x: dict[str, Any]) -> list[str]:
    return [_fmt(x.get("victim_pid", x.get("skipped"))), _fmt(x.get("processes_before")),
            _fmt(x.get("respawned")), _fmt(x.get("respawn_ms"), 1)]


def _slowloris(x: dict[str, Any]) -> list[str]:
    others = x.get("other_statuses") or {}
    return [_fmt(x.get("got_408")),
            _fmt(x.get("other_status")) + (f" ({_counts(others)})" if others else ""),
            _fmt(x.get("closed_without_reply")), _fmt(x.get("no_answer")),
            _fmt(x.get("never_connected")), _fmt(x.get("accept_queue_at_end"))]


def _malformed(x: dict[str, Any]) -> list[str]:
    return [_fmt(x.get("requests")), _counts(x.get("answers")), _fmt(x.get("unexpected"))]


def _disconnect(x: dict[str, Any]) -> list[str]:
    return [_fmt(x.get("requests")), _fmt(x.get("reset")), _fmt(x.get("closed")),
            _fmt(x.get("server_closed_first")), _fmt(x.get("no_reply_in_time"))]


def _exhaustion(x: dict[str, Any]) -> list[str]:
    held = (f"{_fmt(x.get('connected'))} / {_fmt(x.get('idle_connections'))}"
            if "connected" in x else DASH)
    return [_fmt(x.get("server_nofile")), held, _fmt(x.get("closed_by_server")),
            _fmt(x.get("answered")), _fmt(x.get("server_most_fds")),
            _fmt(x.get("accept_queue_at_end"))]


def _reload(x: dict[str, Any]) -> list[str]:
    replaced = x.get("replaced")
    return [_fmt(x.get("signal")), _fmt(x.get("workers_before")),
            DASH if replaced is None else (_fmt(x.get("replace_ms"), 1) if replaced else "no")]


# fault → (its own column headers, their cells)
FAULT_COLUMNS: dict[str, tuple[list[str], Callable[[dict[str, Any]], list[str]]]] = {
    "kill_worker": (["victim pid", "procs before", "respawned", "respawn ms"], _kill),
    "slowloris": (["408", "other status", "closed, no reply", "no answer", "never connected",
                   "accept queue at end"], _slowloris),
    "slow_body": (["408", "other status", "closed, no reply", "no answer", "never connected",
                   "accept queue at end"], _slowloris),
    "malformed_storm": (["bad requests", "answers", "unexpected"], _malformed),
    "disconnect_mid_reply": (["requests", "reset", "closed", "server closed first",
                              "no reply in 1 s"], _disconnect),
    "descriptor_exhaustion": (["nofile", "idle held", "closed by server", "answered",
                               "server max fds", "accept queue at end"], _exhaustion),
    "reload": (["signal", "workers", "all replaced after ms"], _reload),
}
GOOD_LOAD_HEADERS = ["lost", "errors", "verified/s before → during → after",
                     "p50 µs before → during", "p99 µs before → during", "first reply ms",
                     "recovery ms", "verdict"]


def _verdict(run: RunRecord) -> str:
    if run.extra.get("not_applicable"):
        return f"not applicable: {run.extra['not_applicable']}"
    if run.verdict == "ok" or not run.detail:
        return run.verdict
    detail = run.detail if len(run.detail) <= DETAIL_LIMIT else run.detail[:DETAIL_LIMIT] + "…"
    return f"{run.verdict}: {detail}"


def _good_load(run: RunRecord) -> list[str]:
    good = run.extra.get("good_load") or {}
    if run.extra.get("not_applicable") or not good or "unavailable" in good:
        cells = [DASH] * 7
    else:
        before, during = good.get("before", {}), good.get("during", {})
        after = good.get("after", {})
        recovery = good.get("recovery_ms")
        rates = " → ".join(_fmt(phase.get("verified_per_s")) for phase in (before, during, after))
        cells = [_fmt(good.get("lost")), "", rates,
                 _arrow(before.get("p50_us"), during.get("p50_us")),
                 _arrow(before.get("p99_us"), during.get("p99_us")),
                 _fmt(good.get("first_reply_ms"), 1),
                 _fmt(recovery, 0) if recovery is not None else
                 ("no" if good.get("baseline_per_bin") else DASH)]
    cells[1] = DASH if run.extra.get("not_applicable") else _fmt(sum(run.errors.values()))
    return cells + [_verdict(run)]


def _group_table(fault: str, runs: list[RunRecord]) -> str:
    own_headers, own_cells = FAULT_COLUMNS.get(fault, ([], lambda x: []))
    protocols = {run.protocol for run in runs}
    headers = ["architecture"] + (["protocol"] if len(protocols) > 1 else [])
    rows = []
    for run in runs:
        name = run.name + (" (reference)" if run.reference else "")
        head = [name] + ([run.protocol] if len(protocols) > 1 else [])
        own = [DASH] * len(own_headers) if run.extra.get("not_applicable") else own_cells(run.extra)
        rows.append(head + own + _good_load(run))
    return _table(headers + own_headers + GOOD_LOAD_HEADERS, rows)


def faults_section(document: ResultsDocument) -> str:
    """Definitions, then per group: its label, what the fault does, and its table."""
    groups: dict[str, list[RunRecord]] = {}
    for run in document.runs:
        groups.setdefault(str(run.extra.get("group", run.extra.get("fault", "faults"))),
                          []).append(run)
    parts = [DEFINITIONS]
    for label, runs in groups.items():
        fault = str(runs[0].extra.get("fault", ""))
        kind = FAULT_TYPES.get(fault)
        parts.append(f"### {label}")
        if kind is not None:
            parts.append(f"`{fault}`: {kind.summary}.")
        unavailable = sorted({str(r.extra["good_load"]["unavailable"]) for r in runs
                              if isinstance(r.extra.get("good_load"), dict)
                              and "unavailable" in r.extra["good_load"]})
        parts.append(_group_table(fault, runs))
        if unavailable:
            parts.append("No good-load analysis for some rows: " + "; ".join(unavailable) + ".")
    return "\n\n".join(parts)
