"""A fault inside one run: the fault registry, the load with a request log, and the row's extras.

runner.py stays about starting, loading, sampling and stopping a server; everything a fault adds
to that is here: whether the fault applies to the architecture at all, how the server must be
started for it (fault_injection.ServerSetup), the load client's request log, starting the fault
on the load's clock and turning what happened into `extra` fields of the results row:

- the fault's own counters (victim pid, 408s, answers by status, ...) at the top level of
  `extra`, as `kill_worker` always wrote them;
- `good_load`: what the well-behaved load saw (fault_analysis.analyse: requests lost, p50/p99
  before / during / after, first reply and recovery after the fault).

Thread-safety: a FaultRun is driven by the run's thread; the fault itself runs on its own.
"""
from __future__ import annotations

import pathlib
import time
from dataclasses import dataclass, fields
from typing import Any, Optional

from harness.fault_analysis import FaultTimes, analyse_file
from harness.fault_injection import Fault, FaultTarget, KillWorker, ReloadWorkers, ServerSetup
from harness.fault_requests import DisconnectMidReply, MalformedStorm
from harness.fault_sockets import DescriptorExhaustion, SlowBody, Slowloris
from harness.load_client import LoadSpec

FAULT_TYPES: dict[str, type[Fault]] = {cls.name: cls for cls in (
    KillWorker, Slowloris, SlowBody, MalformedStorm, DisconnectMidReply, DescriptorExhaustion,
    ReloadWorkers)}
FAULTS: tuple[str, ...] = tuple(FAULT_TYPES)
REQUEST_LOG_NAME = "requests.csv"


def fault_type(name: str) -> type[Fault]:
    """The class of fault `name`; KeyError names the known ones."""
    try:
        return FAULT_TYPES[name]
    except KeyError:
        raise KeyError(f"unknown fault {name!r} (known: {', '.join(FAULTS)})") from None


def not_applicable(fault: Optional[str], architecture: str) -> Optional[str]:
    """Why `fault` means nothing for `architecture` (the row says so), or None."""
    return fault_type(fault).not_applicable(architecture) if fault else None


def server_setup(fault: Optional[str]) -> ServerSetup:
    return fault_type(fault).server_setup() if fault else ServerSetup()


@dataclass(frozen=True)
class LoggedLoadSpec(LoadSpec):
    """A LoadSpec that also asks //clients:load for its request log (`--log-requests FILE`).

    The load-client wrapper (load_client.py) knows nothing of request logs; only fault runs need
    one, so the flag is added here rather than there. The path is not a load parameter: it is
    left out of parameters(), so fault rows compare with other rows.
    """

    request_log: str = ""

    def flags(self, target: str, protocol: str) -> list[str]:
        args = super().flags(target, protocol)
        return args + ["--log-requests", self.request_log] if self.request_log else args

    def parameters(self) -> dict[str, Any]:
        values = super().parameters()
        values.pop("request_log", None)
        return values


def with_request_log(load: LoadSpec, path: pathlib.Path) -> LoggedLoadSpec:
    """`load` with a request log written to `path`."""
    values = {f.name: getattr(load, f.name) for f in fields(LoadSpec)}
    return LoggedLoadSpec(**values, request_log=str(path))


class FaultRun:
    """One fault in one run: make load_spec(), then begin() just before the load starts and
    finish() after it returns."""

    def __init__(self, fault: str, load: LoadSpec, work_dir: pathlib.Path) -> None:
        self.kind = fault_type(fault)
        self.load = load
        self.log_path = work_dir / REQUEST_LOG_NAME
        self.fault: Optional[Fault] = None
        self._joined = False
        # One log file per client process would be needed for several: keep it to one.
        self.logging = load.processes <= 1

    def load_spec(self) -> LoadSpec:
        return with_request_log(self.load, self.log_path) if self.logging else self.load

    def begin(self, target: FaultTarget) -> None:
        """Starts the fault's thread; its times count from now (the load client's start)."""
        duration = float(self.load.duration_s or 2.0)
        self.fault = self.kind(target, self.kind.window_for(self.load.warmup_s, duration))
        self.fault.start(time.monotonic())

    def finish(self) -> dict[str, Any]:
        """Ends the fault (bounded) and returns the row's extras."""
        if self.fault is None:
            return {"fault": self.kind.name, "skipped": "the fault was never started"}
        extra = self.fault.join()
        self._joined = True
        extra["good_load"] = self._good_load()
        return extra

    def abandon(self) -> None:
        """Ends the fault (bounded) when the run failed before finish(); safe to call always."""
        if self.fault is not None and not self._joined:
            self.fault.join()
            self._joined = True

    def _good_load(self) -> dict[str, Any]:
        assert self.fault is not None
        if not self.logging:
            return {"unavailable": "several load client processes: no single request log"}
        moments = self.fault.times_since_origin()
        if moments is None or "skipped" in self.fault.result:
            return {"unavailable": "the fault did not happen: "
                                   + str(self.fault.result.get("skipped", "not started"))}
        warmup = self.load.warmup_s
        times = FaultTimes(measure_start_s=warmup,
                           measure_end_s=warmup + float(self.load.duration_s or 2.0),
                           fault_start_s=moments[0], fault_end_s=moments[1])
        return analyse_file(self.log_path, times)
