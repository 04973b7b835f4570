"""Running a whole scenario: every run (× --repeat), progress, skips, and the results files.

Architectures whose binary is not built are skipped with one note each, so a scenario works on
a checkout where only some servers exist. A run that raises inside the harness is recorded as
`errors` with the exception, and the scenario goes on. A scenario's `time_budget_s` bounds the
whole thing: runs that would start after it are skipped and listed.

Thread-safety: run_scenario is called from the main thread.
"""
from __future__ import annotations

import collections
import pathlib
import time
import traceback
from dataclasses import dataclass
from typing import Callable, Optional

from harness import markdown_report, registry
from harness.aggregate import aggregate
from harness.binaries import workspace_dir
from harness.progress import Progress
from harness.results import (Machine, ResultsDocument, RunRecord, WrittenFiles, git_revision,
                             write_results)
from harness.runner import NotBuilt, RunOptions, run_one
from harness.scenario import RunSpec, Scenario

RunFunction = Callable[[RunSpec, RunOptions], RunRecord]


@dataclass(frozen=True)
class ScenarioOptions:
    out_dir: Optional[pathlib.Path] = None
    repeat: int = 1
    only_architectures: tuple[str, ...] = ()
    only_protocols: tuple[str, ...] = ()
    time_budget_s: Optional[float] = None


def default_out_dir(name: str) -> pathlib.Path:
    """<workspace>/results/<scenario> (the workspace under `bazel run`, else the cwd)."""
    return workspace_dir() / "results" / name


def outcome_line(record: RunRecord) -> str:
    """'ok  12,345 req/s  p99 850 µs  CPU 1.92 s' for progress output."""
    parts = [record.verdict]
    if record.throughput_rps is not None:
        parts.append(f"{record.throughput_rps:,.0f} req/s")
    if record.latency_us.get("p99") is not None:
        parts.append(f"p99 {record.latency_us['p99']:,.0f} µs")
    if record.cost.cpu_seconds is not None:
        parts.append(f"CPU {record.cost.cpu_seconds:.2f} s")
    if record.detail and record.verdict != "ok":
        parts.append(f"({record.detail[:160]})")
    return "  ".join(parts)


def select_runs(scenario: Scenario, options: ScenarioOptions) -> list[RunSpec]:
    runs = scenario.runs()
    if options.only_architectures:
        runs = [r for r in runs if r.architecture in options.only_architectures]
    if options.only_protocols:
        runs = [r for r in runs if r.protocol in options.only_protocols]
    return runs


def run_scenario(scenario: Scenario, run_options: RunOptions, options: ScenarioOptions,
                 progress_stream=None, run_function: RunFunction = run_one
                 ) -> tuple[ResultsDocument, WrittenFiles]:
    """Runs every selected run and writes results.{json,csv,md}; returns both."""
    document = ResultsDocument(scenario=scenario.name, machine=Machine.current(),
                               git_revision=git_revision(workspace_dir()),
                               description=scenario.description, notes=list(scenario.notes))
    runs = select_runs(scenario, options)
    available, missing = _split_available(runs, run_options)
    for label in sorted(missing):
        document.notes.append(f"not built, skipped: {label} ({missing[label]} run(s))")
    load_missing = run_options.finder.load_client() is None
    if load_missing:
        document.notes.append("//clients/load:load is not built: no run was possible")
        available = []
    repeat = max(1, options.repeat)
    expected = [spec.expected_seconds() * repeat for spec in available]
    progress = (Progress.for_stream(expected) if progress_stream is None
                else Progress.for_stream(expected, progress_stream))
    for note in document.notes:
        progress.note(note)
    budget = options.time_budget_s or scenario.time_budget_s
    started = time.monotonic()
    skipped_for_time = 0
    for spec in available:
        if budget is not None and time.monotonic() - started > budget:
            skipped_for_time += 1
            continue
        progress.begin(spec.title)
        records = [_run_guarded(spec, run_options, run_function) for _ in range(repeat)]
        record = aggregate(records)
        document.runs.append(record)
        progress.end(spec.title, outcome_line(record))
    if skipped_for_time:
        document.notes.append(f"time budget of {budget:.0f} s reached: {skipped_for_time} "
                              "run(s) skipped")
    progress.finish()
    markdown_report.add_report_section(document, scenario.report)
    counts = collections.Counter(r.verdict for r in document.runs)
    document.notes.append("verdicts: " + (", ".join(f"{n} {w}" for w, n in sorted(
        counts.items())) or "no runs"))
    out_dir = options.out_dir or default_out_dir(scenario.name)
    written = write_results(document, out_dir, markdown_report.render(document))
    return document, written


def _split_available(runs: list[RunSpec], run_options: RunOptions
                     ) -> tuple[list[RunSpec], dict[str, int]]:
    available: list[RunSpec] = []
    missing: dict[str, int] = collections.defaultdict(int)
    built: dict[str, bool] = {}
    for spec in runs:
        arch = registry.architecture(spec.architecture)
        if arch.id not in built:
            built[arch.id] = run_options.finder.server(arch) is not None
        if built[arch.id]:
            available.append(spec)
        else:
            missing[arch.label] += 1
    return available, dict(missing)


def _run_guarded(spec: RunSpec, options: RunOptions, run_function: RunFunction) -> RunRecord:
    try:
        return run_function(spec, options)
    except NotBuilt as error:
        return RunRecord(architecture=spec.architecture, protocol=spec.protocol,
                         variant=spec.variant, verdict="unsupported", detail=str(error))
    except Exception as error:  # noqa: BLE001 - one broken run must not end the scenario
        last = traceback.format_exc().strip().splitlines()[-1]
        return RunRecord(architecture=spec.architecture, protocol=spec.protocol,
                         variant=spec.variant, parameters=spec.load.parameters(),
                         verdict="errors", detail=f"harness error: {error!r} ({last})")
