"""results.md: the main table of a scenario run, plus the scenario's own section if it has one
(the Stevens design-alternatives table, c10k memory per connection, timer lateness, faults).

Numbers are rounded for reading; the JSON and CSV keep full precision.

Thread-safety: pure functions.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from harness.fault_report import faults_section
from harness.load_client import describe_load
from harness.results import ResultsDocument, RunRecord

DASH = "–"


def _fmt(value: Optional[float], digits: int = 0) -> str:
    if value is None:
        return DASH
    return f"{value:,.{digits}f}"


def _mib(value: Optional[float]) -> str:
    return DASH if value is None else f"{value / 1048576:,.1f}"


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured Markdown table (numbers right-aligned by the reader's renderer)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def main_table(document: ResultsDocument) -> str:
    headers = ["architecture", "protocol", "conns", "load", "req/s", "p50 µs", "p99 µs", "max µs",
               "errors", "CPU s", "CPU µs/req", "peak RSS MiB", "procs", "threads", "verdict"]
    rows = []
    for run in document.runs:
        name = run.name + (" (reference)" if run.reference else "")
        errors = sum(run.errors.values())
        rows.append([
            name, run.protocol, str(run.parameters.get("connections", DASH)),
            describe_load(run.protocol, run.parameters) or DASH, _fmt(run.throughput_rps),
            _fmt(run.latency_us.get("p50")),
            _fmt(run.latency_us.get("p99")), _fmt(run.latency_us.get("max")),
            str(errors) if errors else "0", _fmt(run.cost.cpu_seconds, 2),
            _fmt(run.cost.cpu_per_request_us, 1), _mib(run.cost.peak_rss_bytes),
            _fmt(run.cost.peak_processes), _fmt(run.cost.peak_threads),
            run.verdict + (f": {run.detail}" if run.detail and run.verdict != "ok" else ""),
        ])
    return table(headers, rows)


def stevens_section(document: ResultsDocument) -> str:
    """UNP ch. 30 style: server CPU seconds above the iterative baseline, the book beside us."""
    runs = sorted(document.runs, key=lambda r: float(r.extra.get("row", 99)))
    baseline = next((server_cpu(r) for r in runs if str(r.extra.get("row")) == "0"), None)
    headers = ["row", "server design", "BSD/OS (1st ed.)", "3rd ed.", "archbench",
               "CPU s total", "req/s", "verdict", "connections per child/thread"]
    rows = []
    for run in runs:
        cpu = server_cpu(run)
        ours = cpu - baseline if cpu is not None and baseline is not None else None
        spread = run.extra.get("connection_spread", {}).get("summary", DASH)
        rows.append([str(run.extra.get("row", DASH)), str(run.extra.get("design", run.name)),
                     str(run.extra.get("bsd_os", DASH)), str(run.extra.get("third_edition", DASH)),
                     _fmt(ours, 3), _fmt(cpu, 3), _fmt(run.throughput_rps),
                     run.verdict, spread])
    note = ("Server CPU seconds (user + system of the server and every child it reaped, over "
            "its whole life, from wait4 as UNP measured it with getrusage) above the iterative "
            "baseline, for 5 clients × 500 connections each asking `GET /bytes?n=4000` with "
            "`Connection: close`; pools of 15. The book's columns are its figures (seconds on "
            "its machines); compare ratios, not seconds."
            + ("" if baseline is not None else " No iterative baseline row: nothing subtracted."))
    return note + "\n\n" + table(headers, rows)


def server_cpu(run: RunRecord) -> Optional[float]:
    """Lifetime CPU (exact, from wait4) when known, else the sampled window's."""
    if run.cost.lifetime_cpu_seconds is not None:
        return run.cost.lifetime_cpu_seconds
    return run.cost.cpu_seconds


def c10k_section(document: ResultsDocument) -> str:
    headers = ["architecture", "idle asked", "connected", "still open", "answered",
               "RSS before MiB", "RSS with idle MiB", "bytes/conn", "active p50 µs",
               "active p99 µs", "active req/s", "verdict"]
    rows = []
    for run in document.runs:
        x = run.extra
        answered = x.get("idle_answered")
        rows.append([run.name, _fmt(x.get("idle_requested")), _fmt(x.get("idle_connected")),
                     _fmt(x.get("idle_still_open")),
                     DASH if answered in (None, -1) else _fmt(answered),
                     _mib(x.get("rss_before_idle_bytes")), _mib(x.get("rss_with_idle_bytes")),
                     _fmt(x.get("memory_per_connection_bytes")), _fmt(run.latency_us.get("p50")),
                     _fmt(run.latency_us.get("p99")), _fmt(run.throughput_rps), run.verdict])
    return ("Idle connections are held by the harness; the active ones by the load client. "
            "`answered`: idle connections that echoed one byte after the load (a connection "
            "left in the backlog connects but never answers).\n\n" + table(headers, rows))


def timers_section(document: ResultsDocument) -> str:
    headers = ["architecture", "load", "conns", "timer ms", "lateness p50 µs", "p99 µs",
               "max µs", "verdict"]
    rows = [[run.name, str(run.extra.get("group", DASH)),
             str(run.parameters.get("connections")), str(run.parameters.get("timer_ms")),
             _fmt(run.latency_us.get("p50")), _fmt(run.latency_us.get("p99")),
             _fmt(run.latency_us.get("max")), run.verdict] for run in document.runs]
    return ("Timer lateness as the load client measures it (fired minus due), idle (one "
            "connection) and under load (many connections with short timers).\n\n"
            + table(headers, rows))


SECTIONS: dict[str, tuple[str, Callable[[ResultsDocument], str]]] = {
    "stevens": ("Design alternatives (UNP ch. 30)", stevens_section),
    "c10k": ("Idle connections and memory per connection", c10k_section),
    "timers": ("Timer lateness", timers_section),
    "faults": ("Faults under load", faults_section),
}


def add_report_section(document: ResultsDocument, report: str) -> None:
    """Stores the scenario's own section (if any) in the document, for JSON and Markdown."""
    if report in SECTIONS:
        title, render = SECTIONS[report]
        document.sections[title] = render(document)


def render(document: ResultsDocument) -> str:
    """The whole results.md."""
    parts: list[Any] = [f"# {document.scenario}", ""]
    if document.description:
        parts += [document.description, ""]
    m = document.machine
    parts += [f"Machine: {m.cpus} CPUs ({m.cpu_model or 'unknown CPU'}), Linux {m.kernel}; "
              f"revision `{document.git_revision}`; {document.created}.", ""]
    for title, body in document.sections.items():
        parts += [f"## {title}", "", body, ""]
    parts += ["## All runs", "", main_table(document), ""]
    if document.notes:
        parts += ["## Notes", ""] + [f"- {note}" for note in document.notes] + [""]
    return "\n".join(str(p) for p in parts)
