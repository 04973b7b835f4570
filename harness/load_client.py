"""Driving //clients:load: its command line from a LoadSpec, a bounded run, its JSON read defensively.

The load client owns measurement (open-loop rates, percentiles, verification of every reply);
the harness only starts it with a time bound and reads what it wrote. The JSON reader accepts
several spellings of each key (`requests_per_sec` / `req_per_s` / `rps`, `p99.9` / `p999`, ...)
because the client and the harness were written side by side: a missing key becomes None and
shows as an empty cell, never a crash.

Thread-safety: functions are pure except run_load_clients, which starts processes; call it from
one thread per run.
"""
from __future__ import annotations

import json
import pathlib
import subprocess
import tempfile
import time
from dataclasses import dataclass, field, fields, asdict
from typing import Any, Optional

PERCENTILE_KEYS = ("p50", "p90", "p99", "p99.9", "max")
# The load client's exit status when the server refused the workload as not supported by its
# design (a 501 answer to the WebSocket /broadcast handshake): nothing failed, nothing measured.
EXIT_UNSUPPORTED = 3
# Counters the client reports beside throughput (clients/load/README.md), copied into
# LoadResult.extra under these names: WebSocket broadcast fan-out, and pongs sent in answer to
# server pings.
EXTRA_COUNTERS = {
    "broadcast_members": "broadcast.members",
    "broadcast_messages": "broadcast.messages",
    "broadcast_deliveries": "broadcast.deliveries",
    "broadcast_missing": "broadcast.missing",
    "pongs_sent": "websocket.pongs_sent",
}
# Error classes that //clients:load reports as sums of others (reset = read + write): counting
# them too would double the total.
DERIVED_ERRORS = {"reset": ("read", "write")}
GRACE_S = 15.0


@dataclass(frozen=True)
class LoadSpec:
    """One load shape. None means "the client's default"."""

    connections: int = 16
    threads: int = 1
    duration_s: Optional[float] = 2.0
    requests: Optional[int] = None
    warmup_s: float = 0.5
    timeout_ms: int = 5000
    message_size: Optional[int] = None
    path: Optional[str] = None
    method: Optional[str] = None
    body_size: Optional[int] = None
    pipeline: int = 1
    keepalive: bool = True
    ws_binary: bool = False
    timer_ms: Optional[int] = None
    rate: Optional[float] = None
    # Parallel client processes (UNP ch. 30 uses 5); results are merged.
    processes: int = 1
    # Upper bound on a --requests run, which has no duration of its own.
    max_seconds: float = 120.0

    def flags(self, target: str, protocol: str) -> list[str]:
        """The load client's arguments, without --json."""
        args = ["--target", target, "--protocol", protocol,
                "--threads", str(self.threads), "--connections", str(self.connections),
                "--warmup", _num(self.warmup_s), "--timeout", str(self.timeout_ms)]
        if self.requests is not None:
            args += ["--requests", str(self.requests)]
        elif self.duration_s is not None:
            args += ["--duration", _num(self.duration_s)]
        optional: list[tuple[str, Any]] = [
            ("--message-size", self.message_size), ("--path", self.path),
            ("--method", self.method), ("--body-size", self.body_size),
            ("--timer-ms", self.timer_ms), ("--rate", self.rate),
        ]
        for flag, value in optional:
            if value is not None:
                args += [flag, _num(value) if isinstance(value, float) else str(value)]
        if self.pipeline != 1:
            args += ["--pipeline", str(self.pipeline)]
        if not self.keepalive:
            args.append("--no-keepalive")
        if self.ws_binary:
            args.append("--ws-binary")
        return args

    def time_bound_s(self) -> float:
        """How long one client process may take before it is killed."""
        body = self.duration_s if self.requests is None and self.duration_s else self.max_seconds
        return self.warmup_s + float(body) + GRACE_S

    def parameters(self) -> dict[str, Any]:
        """The spec as a plain dict for results (defaults included, so rows compare)."""
        return asdict(self)

    @staticmethod
    def from_dict(values: dict[str, Any]) -> "LoadSpec":
        """Builds a spec from a scenario file's dict; unknown keys are an error."""
        known = {f.name for f in fields(LoadSpec)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown load parameter(s): {', '.join(sorted(unknown))}")
        spec = LoadSpec(**values)
        if (spec.path or "").split("?")[0] == "/broadcast" and spec.processes > 1:
            # Each client checks the group it knows; two would see each other's messages as
            # coming from connections that do not exist.
            raise ValueError("/broadcast needs a single load client process (processes: 1)")
        return spec


def describe_load(protocol: str, parameters: dict[str, Any]) -> str:
    """The load's shape in a few words, connections aside: '/broadcast 64 KiB', 'pipe 16',
    'no keep-alive /bytes?n=4000', 'timer 1 ms'. Empty for a plain default load."""
    words: list[str] = []
    if not parameters.get("keepalive", True):
        words.append("no keep-alive")
    path = parameters.get("path")
    if path and path != "/":
        words.append(str(path))
    size = parameters.get("message_size")
    if size and protocol not in ("http", "timer") and size != 64:
        words.append(f"{size // 1024} KiB" if size % 1024 == 0 else f"{size} B")
    if parameters.get("pipeline", 1) not in (1, None):
        words.append(f"pipe {parameters['pipeline']}")
    if protocol == "timer" and parameters.get("timer_ms"):
        words.append(f"timer {parameters['timer_ms']} ms")
    if parameters.get("rate"):
        words.append(f"rate {parameters['rate']:g}/s")
    if (parameters.get("processes") or 1) > 1:
        words.append(f"{parameters['processes']} clients")
    return " ".join(words)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass
class LoadResult:
    """What one load run measured (merged over processes)."""

    requests: Optional[int] = None
    throughput_rps: Optional[float] = None
    throughput_bps: Optional[float] = None
    latency_us: dict[str, Optional[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    exit_status: Optional[int] = None
    timed_out: bool = False
    message: str = ""
    # WebSocket broadcast: copies of measured messages delivered per second, over all members.
    deliveries_per_sec: Optional[float] = None
    # The server refused the workload as not supported by design: its reason.
    unsupported: Optional[str] = None
    # EXTRA_COUNTERS that the client reported.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def verified(self) -> bool:
        """The client's own word: exit status 0 only when every reply verified."""
        return self.exit_status == 0 and not self.timed_out


def _lookup(doc: Any, *paths: str) -> Any:
    """The first dotted path that exists in `doc` (keys compared case-insensitively)."""
    for path in paths:
        node = doc
        for key in path.split("."):
            if not isinstance(node, dict):
                node = None
                break
            lowered = {str(k).lower(): v for k, v in node.items()}
            node = lowered.get(key.lower())
        if node is not None:
            return node
    return None


def _percentile_key(key: str) -> Optional[str]:
    """Maps 'p99.9', '99.9', 'p999', 'p99_9_us', 'max_us' ... to one of PERCENTILE_KEYS."""
    compact = key.lower()
    for suffix in ("_us", "us"):
        if compact.endswith(suffix):
            compact = compact[: -len(suffix)]
    compact = compact.replace("_", "").replace(".", "").lstrip("p")
    table = {"50": "p50", "500": "p50", "90": "p90", "900": "p90", "99": "p99", "990": "p99",
             "999": "p99.9", "max": "max", "100": "max", "1000": "max"}
    return table.get(compact)


def _number(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def parse_load_json(doc: dict[str, Any]) -> LoadResult:
    """Reads the load client's JSON; tolerant of key spellings, never raises on shape."""
    result = LoadResult()
    requests = _lookup(doc, "throughput.requests", "requests", "totals.requests",
                       "completed", "throughput.completed", "summary.requests")
    result.requests = int(requests) if _number(requests) is not None else None
    result.throughput_rps = _number(_lookup(
        doc, "throughput.requests_per_sec", "throughput.requests_per_second",
        "throughput.req_per_s", "throughput.rps", "throughput.req_s", "requests_per_sec", "rps"))
    result.throughput_bps = _number(_lookup(
        doc, "throughput.bytes_per_sec", "throughput.bytes_per_second", "throughput.bytes_per_s",
        "throughput.bps", "bytes_per_sec"))
    percentiles = _lookup(doc, "percentiles", "latency.percentiles", "latency_us", "latency")
    result.latency_us = {key: None for key in PERCENTILE_KEYS}
    if isinstance(percentiles, dict):
        for key, value in percentiles.items():
            name = _percentile_key(str(key))
            if name and _number(value) is not None:
                result.latency_us[name] = _number(value)
    if result.latency_us.get("max") is None:
        result.latency_us["max"] = _number(_lookup(doc, "latency.max_us", "latency.max"))
    errors = _lookup(doc, "errors")
    if isinstance(errors, dict):
        counts = {str(k): int(v) for k, v in errors.items()
                  if str(k).lower() != "total" and _number(v) is not None}
        for derived, parts in DERIVED_ERRORS.items():
            if derived in counts and all(p in counts for p in parts) \
                    and counts[derived] == sum(counts[p] for p in parts):
                del counts[derived]
        result.errors = {k: v for k, v in counts.items() if v}
    elif _number(errors):
        result.errors["unclassified"] = int(errors)
    result.deliveries_per_sec = _number(_lookup(doc, "throughput.deliveries_per_sec"))
    for name, path in EXTRA_COUNTERS.items():
        value = _number(_lookup(doc, path))
        if value is not None:
            result.extra[name] = int(value)
    if result.deliveries_per_sec is not None:
        result.extra["deliveries_per_sec"] = result.deliveries_per_sec
    if str(_lookup(doc, "verdict") or "").lower() == "unsupported":
        reason = _lookup(doc, "unsupported.reason")
        result.unsupported = str(reason) if reason else "the server answered 501"
    return result


def merge_results(parts: list[LoadResult]) -> LoadResult:
    """Sums throughput and errors over parallel client processes.

    Percentiles cannot be merged exactly from percentiles; the merged value is the worst
    (largest) of the parts, which is the honest bound for a table that shows tail latency.
    """
    if len(parts) == 1:
        return parts[0]
    merged = LoadResult(latency_us={key: None for key in PERCENTILE_KEYS})

    def total(values: list[Optional[float]]) -> Optional[float]:
        present = [v for v in values if v is not None]
        return sum(present) if present else None

    requests = total([p.requests for p in parts])
    merged.requests = int(requests) if requests is not None else None
    merged.throughput_rps = total([p.throughput_rps for p in parts])
    merged.throughput_bps = total([p.throughput_bps for p in parts])
    for key in PERCENTILE_KEYS:
        present = [p.latency_us.get(key) for p in parts if p.latency_us.get(key) is not None]
        merged.latency_us[key] = max(present) if present else None
    for part in parts:
        for name, count in part.errors.items():
            merged.errors[name] = merged.errors.get(name, 0) + count
    statuses = [p.exit_status for p in parts]
    merged.exit_status = next((s for s in statuses if s != 0), 0)
    merged.timed_out = any(p.timed_out for p in parts)
    merged.message = "; ".join(p.message for p in parts if p.message)
    merged.deliveries_per_sec = total([p.deliveries_per_sec for p in parts])
    # Unsupported only when every client was refused; a mix is an inconsistent server.
    if all(p.unsupported is not None for p in parts):
        merged.unsupported = parts[0].unsupported
    for part in parts:
        for name, value in part.extra.items():
            merged.extra[name] = merged.extra.get(name, 0) + value
    return merged


def run_load_clients(binary: pathlib.Path, spec: LoadSpec, target: str, protocol: str,
                     work_dir: pathlib.Path) -> LoadResult:
    """Runs spec.processes clients in parallel, each bounded by spec.time_bound_s()."""
    bound = spec.time_bound_s()
    started: list[tuple[subprocess.Popen[bytes], pathlib.Path, Any]] = []
    for index in range(max(1, spec.processes)):
        json_path = work_dir / f"load-{index}.json"
        log = tempfile.TemporaryFile(dir=work_dir)
        command = [str(binary), *spec.flags(target, protocol), "--json", str(json_path)]
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
        started.append((process, json_path, log))
    deadline = time.monotonic() + bound
    parts: list[LoadResult] = []
    for process, json_path, log in started:
        part = LoadResult()
        try:
            part.exit_status = process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
            part.timed_out = True
            part.message = f"load client did not finish within {bound:.0f} s"
        try:
            part_doc = json.loads(json_path.read_text())
            parsed = parse_load_json(part_doc if isinstance(part_doc, dict) else {})
            parsed.exit_status, parsed.timed_out = part.exit_status, part.timed_out
            parsed.message = part.message
            part = parsed
        except (OSError, ValueError):
            if not part.message:
                part.message = f"load client wrote no JSON (exit {part.exit_status})"
        if part.exit_status == EXIT_UNSUPPORTED and part.unsupported is None:
            part.unsupported = "the load client reported the workload unsupported (exit 3)"
        log.seek(0)
        tail = log.read()[-600:].decode(errors="replace").strip()
        log.close()
        if part.exit_status not in (0, None) and tail:
            part.message = (part.message + " | " if part.message else "") + tail.splitlines()[-1]
        parts.append(part)
    return merge_results(parts)
