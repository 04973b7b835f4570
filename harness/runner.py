"""One run: start the server, (hold idle connections), load it, sample it, stop it, judge it.

Every step is bounded: READY within 10 s, the load client within its duration + warm-up + grace,
idle connections within 30 s, the stop within 2 s (then SIGKILL). The sampler's measured window
starts when the load client's warm-up ends and stops when the client returns, so CPU per
request divides the CPU of the measured requests by their count.

Thread-safety: run_one is called from one thread; it starts its own helper threads (sampler,
window timer, fault) and joins them before returning.
"""
from __future__ import annotations

import pathlib
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Optional

from harness import registry
from harness.binaries import BinaryFinder
from harness.fault_injection import FaultTarget
from harness.fault_run import FaultRun, not_applicable, server_setup
from harness.idle_connections import IdleConnections
from harness.load_client import LoadResult, run_load_clients
from harness.nginx_reference import NginxConfig, nginx_command
from harness.proc_sampler import SamplerMark, TreeSampler
from harness.results import RunRecord, ServerCost
from harness.scenario import RunSpec
from harness.server_process import ServerProcess, StartFailure, free_port, wait_for_port
from harness.trace_counts import count_connections_in_file
from harness.verdict import Verdict, decide

IDLE_SETTLE_S = 1.0


@dataclass(frozen=True)
class RunOptions:
    """Knobs of the harness itself (not of the workload)."""

    finder: BinaryFinder
    ready_timeout_s: float = 10.0
    stop_timeout_s: float = 2.0
    keep_logs_dir: Optional[pathlib.Path] = None
    sample_interval_s: float = 0.1


class NotBuilt(Exception):
    """The server or the load client binary was not found: the run is skipped, not failed."""


def server_command(spec: RunSpec, binary: pathlib.Path, work_dir: pathlib.Path
                   ) -> tuple[list[str], Optional[int]]:
    """The server's command line, and the port when the harness must choose it (nginx).
    A fault may add flags, a wrapper (prlimit) and nginx settings (fault_injection.ServerSetup).
    """
    arch = registry.architecture(spec.architecture)
    setup = server_setup(spec.fault)
    if arch.reference:
        port = free_port()
        config = NginxConfig(port=port, work_dir=work_dir / "nginx", **dict(setup.nginx)).write()
        return [*setup.command_prefix, *nginx_command(binary, config)], port
    command = [*setup.command_prefix, str(binary), "--protocol", spec.protocol,
               "--host", "127.0.0.1", "--port", "0",
               *arch.default_flags, *spec.server_flags, *setup.flags]
    if spec.trace:
        command.append("--trace")
    return command, None


def run_one(spec: RunSpec, options: RunOptions) -> RunRecord:
    """Performs one run; raises NotBuilt when a binary is missing."""
    arch = registry.architecture(spec.architecture)
    server_binary = options.finder.server(arch)
    if server_binary is None:
        raise NotBuilt(f"{arch.label} is not built")
    load_binary = options.finder.load_client()
    if load_binary is None:
        raise NotBuilt("//clients/load:load is not built")
    reason = not_applicable(spec.fault, spec.architecture)
    if reason is not None:
        # Listed, not silently left out: the table says why there is nothing to measure.
        record = _record(spec, arch)
        record.extra.update(fault=spec.fault, not_applicable=reason)
        _finish(record, Verdict("unsupported", [f"not applicable: {reason}"]))
        return record
    work_dir = pathlib.Path(tempfile.mkdtemp(prefix=f"archbench-{spec.architecture}-"))
    try:
        return _run_in(spec, options, arch, server_binary, load_binary, work_dir)
    finally:
        if options.keep_logs_dir is not None:
            options.keep_logs_dir.mkdir(parents=True, exist_ok=True)
            log = work_dir / "server.stderr"
            if log.exists():
                # The group too: a scenario runs the same server once per group (faults).
                group = f"-{spec.group}" if spec.group else ""
                name = (f"{spec.architecture}-{spec.variant or 'default'}-{spec.protocol}"
                        f"{group}.stderr")
                shutil.copy(log, options.keep_logs_dir / name.replace(" ", "_").replace("/", "_"))
        shutil.rmtree(work_dir, ignore_errors=True)


def _record(spec: RunSpec, arch: registry.Architecture) -> RunRecord:
    parameters = spec.load.parameters()
    setup = server_setup(spec.fault)
    parameters["server_flags"] = list(arch.default_flags) + list(spec.server_flags) + (
        [] if arch.reference else list(setup.flags))
    if setup.command_prefix:
        parameters["server_wrapper"] = list(setup.command_prefix)
    if spec.idle_connections:
        parameters["idle_connections"] = spec.idle_connections
    return RunRecord(architecture=spec.architecture, protocol=spec.protocol,
                     variant=spec.variant, reference=arch.reference, parameters=parameters,
                     extra=dict(spec.extra))


def _run_in(spec: RunSpec, options: RunOptions, arch: registry.Architecture,
            server_binary: pathlib.Path, load_binary: pathlib.Path,
            work_dir: pathlib.Path) -> RunRecord:
    record = _record(spec, arch)
    command, chosen_port = server_command(spec, server_binary, work_dir)
    server = ServerProcess(command=command, stderr_path=work_dir / "server.stderr")
    if chosen_port is None:
        failure = server.start(options.ready_timeout_s)
    else:
        server.spawn()
        server.port = chosen_port
        failure = None
        if not wait_for_port("127.0.0.1", chosen_port, options.ready_timeout_s, server.process):
            failure = decide_start_failure(server)
    if failure is not None:
        server.stop(options.stop_timeout_s)
        flags = server_setup(spec.fault).flags
        if failure.verdict == "unsupported" and flags and not arch.reference:
            # Say plainly which flag the fault needs, not only the server's own words.
            failure = StartFailure("unsupported", f"this build does not take "
                                   f"{' '.join(flags)} (the {spec.fault} fault needs it): "
                                   f"{failure.detail}")
        _finish(record, decide(start=failure))
        return record

    # The process we started is the root (READY's pid should be the same one).
    assert server.process is not None
    sampler = TreeSampler(root_pid=server.process.pid, interval_s=options.sample_interval_s)
    sampler.start()
    idle: Optional[IdleConnections] = None
    load: Optional[LoadResult] = None
    fault: Optional[FaultRun] = None
    marks: dict[str, SamplerMark] = {}
    try:
        target = f"127.0.0.1:{server.port}"
        # A /broadcast load on an architecture that cannot share connections is refused with 501
        # and the server's reason; the load client reports that as `unsupported` by itself.
        if spec.idle_connections:
            marks["before_idle"] = sampler.mark()
            idle = IdleConnections("127.0.0.1", server.port, spec.idle_connections)
            idle.open()
            time.sleep(IDLE_SETTLE_S)  # let the server accept what is in its backlog
            marks["after_idle"] = sampler.mark()
        window = threading.Timer(spec.load.warmup_s,
                                 lambda: marks.setdefault("start", sampler.mark()))
        window.start()
        load_spec = spec.load
        if spec.fault is not None:
            fault = FaultRun(spec.fault, spec.load, work_dir)
            load_spec = fault.load_spec()
            fault.begin(FaultTarget(host="127.0.0.1", port=server.port,
                                    root_pid=sampler.root_pid,
                                    architecture=spec.architecture))
        load = run_load_clients(load_binary, load_spec, target, spec.protocol, work_dir)
        window.cancel()
        marks.setdefault("start", marks.get("after_idle") or sampler.mark())
        marks["end"] = sampler.mark()
        if fault is not None:
            record.extra.update(fault.finish())
        if idle is not None:
            _idle_report(record, idle, spec, sampler, marks)
    finally:
        exited = server.exited()
        if fault is not None:
            fault.abandon()
        if idle is not None:
            idle.close()
        stop = server.stop(options.stop_timeout_s)
        sampler.stop()

    if load is not None:
        _fill_load(record, load)
        summary = sampler.summary(marks["start"], marks["end"])
        record.cost = ServerCost(
            cpu_seconds=round(summary.cpu_seconds, 3),
            cpu_per_request_us=(round(summary.cpu_seconds * 1e6 / load.requests, 3)
                                if load.requests else None),
            peak_rss_bytes=summary.peak_rss_bytes, peak_processes=summary.peak_processes,
            peak_threads=summary.peak_threads,
            voluntary_ctx_switches=summary.voluntary_ctx_switches,
            involuntary_ctx_switches=summary.involuntary_ctx_switches,
            lifetime_cpu_seconds=stop.lifetime_cpu_seconds)
    if spec.trace:
        spread = count_connections_in_file(server.stderr_path)
        if spread is not None:
            record.extra["connection_spread"] = spread.to_dict()
    _finish(record, decide(load=load, exited_during_load=exited,
                           stop=stop, expect_errors=spec.fault is not None))
    return record


def decide_start_failure(server: ServerProcess) -> StartFailure:
    """nginx readiness failed: crashed if it exited, hung otherwise."""
    status = server.exited()
    if status is not None:
        return StartFailure("crashed", f"exited ({status}) before listening: "
                            f"{server.stderr_tail()}")
    return StartFailure("hung", "port never accepted a connection")


def _fill_load(record: RunRecord, load: LoadResult) -> None:
    record.requests = load.requests
    record.throughput_rps = load.throughput_rps
    record.throughput_bps = load.throughput_bps
    record.latency_us = dict(load.latency_us)
    record.errors = dict(load.errors)
    # Counters only some workloads have (WebSocket broadcast fan-out, pongs sent).
    record.extra.update(load.extra)


def _idle_report(record: RunRecord, idle: IdleConnections, spec: RunSpec,
                 sampler: TreeSampler, marks: dict[str, SamplerMark]) -> None:
    def rss_at(mark: SamplerMark) -> int:
        return sampler.samples[mark.index].rss_bytes if mark.index < len(sampler.samples) else 0

    before, after = rss_at(marks["before_idle"]), rss_at(marks["after_idle"])
    held = idle.still_open()
    record.extra.update(
        idle_requested=spec.idle_connections, idle_connected=len(idle.sockets),
        idle_still_open=held, idle_answered=idle.answered(spec.protocol),
        rss_before_idle_bytes=before, rss_with_idle_bytes=after,
        memory_per_connection_bytes=(round((after - before) / len(idle.sockets))
                                     if idle.sockets else None))


def _finish(record: RunRecord, verdict: Verdict) -> None:
    record.verdict = verdict.word
    record.detail = verdict.detail
