"""The results schema (DESIGN.md, "Results"): one JSON document and a CSV of the same rows.

A document is one scenario run: the scenario's name, the machine (CPUs, kernel), the git
revision, and one RunRecord per (architecture, variant, protocol, load) with throughput, latency
percentiles in microseconds, errors by class, the server's cost, and a verdict. With --repeat K
each record is the median of K runs, and `spread` keeps min/max of the headline numbers.

The CSV flattens each record to one row (nested dicts as `latency_p99_us`-style columns, free
form parameters and extras as JSON strings), so `csv_rows(document)` and the CSV file on disk
agree cell for cell; tests hold them to that.

Thread-safety: plain dataclasses and pure functions; writing files is not atomic across
processes (one harness writes one results directory).
"""
from __future__ import annotations

import csv
import io
import json
import os
import pathlib
import platform
import subprocess
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from typing import Any, Optional

SCHEMA_VERSION = 1
PERCENTILES = ("p50", "p90", "p99", "p99.9", "max")


@dataclass
class ServerCost:
    """What the server's whole process tree spent during the measured window."""

    cpu_seconds: Optional[float] = None
    cpu_per_request_us: Optional[float] = None
    peak_rss_bytes: Optional[int] = None
    peak_processes: Optional[int] = None
    peak_threads: Optional[int] = None
    voluntary_ctx_switches: Optional[int] = None
    involuntary_ctx_switches: Optional[int] = None
    # The server's whole life (start, warm-up, load, stop) from wait4's rusage: exact, includes
    # every reaped descendant. The numbers above cover the measured window only.
    lifetime_cpu_seconds: Optional[float] = None


@dataclass
class RunRecord:
    """One row: an architecture (or the nginx reference) under one load."""

    architecture: str
    protocol: str
    variant: str = ""
    reference: bool = False
    parameters: dict[str, Any] = field(default_factory=dict)
    requests: Optional[int] = None
    throughput_rps: Optional[float] = None
    throughput_bps: Optional[float] = None
    latency_us: dict[str, Optional[float]] = field(
        default_factory=lambda: {key: None for key in PERCENTILES})
    errors: dict[str, int] = field(default_factory=dict)
    cost: ServerCost = field(default_factory=ServerCost)
    verdict: str = "ok"
    detail: str = ""
    repeats: int = 1
    spread: dict[str, list[Optional[float]]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """`prefork (--accept-lock fcntl)` or just the architecture id."""
        return f"{self.architecture} ({self.variant})" if self.variant else self.architecture

    @staticmethod
    def from_dict(values: dict[str, Any]) -> "RunRecord":
        known = {f.name for f in fields(RunRecord)}
        data = {k: v for k, v in values.items() if k in known}
        data["cost"] = ServerCost(**{k: v for k, v in (values.get("cost") or {}).items()
                                     if k in {f.name for f in fields(ServerCost)}})
        return RunRecord(**data)


@dataclass
class Machine:
    """Where the numbers came from."""

    cpus: int
    kernel: str
    cpu_model: str = ""
    memory_bytes: int = 0
    hostname: str = ""

    @staticmethod
    def current() -> "Machine":
        model = ""
        memory = 0
        try:
            for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
            for line in pathlib.Path("/proc/meminfo").read_text().splitlines():
                if line.startswith("MemTotal:"):
                    memory = int(line.split()[1]) * 1024
        except OSError:
            pass
        return Machine(cpus=os.cpu_count() or 0, kernel=platform.release(), cpu_model=model,
                       memory_bytes=memory, hostname=platform.node())


@dataclass
class ResultsDocument:
    """One scenario run."""

    scenario: str
    machine: Machine
    git_revision: str = "unknown"
    created: str = field(
        default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    schema_version: int = SCHEMA_VERSION
    description: str = ""
    runs: list[RunRecord] = field(default_factory=list)
    # Scenario-specific Markdown (e.g. the Stevens table), appended to results.md.
    sections: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=False) + "\n"

    @staticmethod
    def from_json(text: str) -> "ResultsDocument":
        raw = json.loads(text)
        if raw.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"results schema {raw.get('schema_version')} is not "
                             f"{SCHEMA_VERSION}; re-run the scenario")
        return ResultsDocument(
            scenario=raw["scenario"], machine=Machine(**raw["machine"]),
            git_revision=raw.get("git_revision", "unknown"), created=raw.get("created", ""),
            schema_version=raw["schema_version"], description=raw.get("description", ""),
            runs=[RunRecord.from_dict(r) for r in raw.get("runs", [])],
            sections=dict(raw.get("sections", {})), notes=list(raw.get("notes", [])))


def git_revision(workspace: pathlib.Path) -> str:
    """HEAD's hash, with `-dirty` when the tree has changes; `unknown` outside git."""
    try:
        head = subprocess.run(["git", "-C", str(workspace), "rev-parse", "HEAD"],
                              capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return "unknown"
        dirty = subprocess.run(["git", "-C", str(workspace), "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True,
                               timeout=20)
        return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


CSV_COLUMNS: tuple[str, ...] = (
    "scenario", "architecture", "variant", "protocol", "reference", "connections", "pipeline",
    "requests", "throughput_rps", "throughput_bps",
    *(f"latency_{p}_us" for p in PERCENTILES),
    "errors_total", "errors", "cpu_seconds", "cpu_per_request_us", "peak_rss_bytes",
    "peak_processes", "peak_threads", "voluntary_ctx_switches", "involuntary_ctx_switches",
    "lifetime_cpu_seconds", "verdict", "detail", "repeats", "throughput_rps_min", "throughput_rps_max",
    "parameters", "extra",
)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 6))
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def csv_row(scenario: str, run: RunRecord) -> dict[str, str]:
    """One record as CSV cells (strings; empty for unknown)."""
    spread = run.spread.get("throughput_rps") or [None, None]
    values: dict[str, Any] = {
        "scenario": scenario, "architecture": run.architecture, "variant": run.variant,
        "protocol": run.protocol, "reference": run.reference,
        "connections": run.parameters.get("connections"),
        "pipeline": run.parameters.get("pipeline"), "requests": run.requests,
        "throughput_rps": run.throughput_rps, "throughput_bps": run.throughput_bps,
        "errors_total": sum(run.errors.values()), "errors": run.errors,
        "verdict": run.verdict, "detail": run.detail, "repeats": run.repeats,
        "throughput_rps_min": spread[0], "throughput_rps_max": spread[1],
        "parameters": run.parameters, "extra": run.extra,
    }
    for p in PERCENTILES:
        values[f"latency_{p}_us"] = run.latency_us.get(p)
    values.update(asdict(run.cost))
    return {column: _cell(values.get(column)) for column in CSV_COLUMNS}


def csv_rows(document: ResultsDocument) -> list[dict[str, str]]:
    return [csv_row(document.scenario, run) for run in document.runs]


def render_csv(document: ResultsDocument) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(document))
    return out.getvalue()


def read_csv(path: pathlib.Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class WrittenFiles:
    json_path: pathlib.Path
    csv_path: pathlib.Path
    markdown_path: pathlib.Path


def write_results(document: ResultsDocument, out_dir: pathlib.Path,
                  markdown: str) -> WrittenFiles:
    """Writes results.json, results.csv and results.md (each via a temp file and rename)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = WrittenFiles(out_dir / "results.json", out_dir / "results.csv",
                           out_dir / "results.md")
    for path, text in ((written.json_path, document.to_json()),
                       (written.csv_path, render_csv(document)),
                       (written.markdown_path, markdown)):
        temp = path.with_suffix(path.suffix + ".tmp")
        temp.write_text(text)
        temp.replace(path)
    return written
