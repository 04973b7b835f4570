"""Scenario files (scenarios/<name>.json) and their expansion into concrete runs.

A scenario is declarative: a name, a description, load defaults, and groups. A group is a cross
product of architectures × protocols × sweep values, with a load shape and optional server
flags, idle connections (c10k), a fault (faults) and --trace (stevens). An architecture entry is
either an id, `"all"` (every architecture in the registry, in registry order), or an object with
its own variant label, server flags and free-form `extra` that is copied into the results row
(the Stevens rows carry the book's numbers that way).

Expansion never looks at what is built: which runs are skipped as "not built" is the runner's
business, so a scenario file means the same on every checkout.

Thread-safety: pure functions over immutable dataclasses.
"""
from __future__ import annotations

import itertools
import json
import pathlib
from dataclasses import dataclass, field
from typing import Any, Optional

from harness import registry
from harness.fault_run import FAULTS
from harness.load_client import LoadSpec, describe_load

# What each protocol's load looks like unless a scenario says otherwise.
PROTOCOL_LOAD_DEFAULTS: dict[str, dict[str, Any]] = {
    "echo": {"message_size": 64},
    "eof": {"message_size": 64},
    "length": {"message_size": 64},
    "http": {"path": "/"},
    "websocket": {"message_size": 64},
    "timer": {"timer_ms": 10},
}


@dataclass(frozen=True)
class ArchitectureChoice:
    """One server configuration in a group."""

    id: str
    variant: str = ""
    server_flags: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunSpec:
    """Everything needed to perform one run."""

    architecture: str
    protocol: str
    load: LoadSpec
    variant: str = ""
    server_flags: tuple[str, ...] = ()
    idle_connections: int = 0
    fault: Optional[str] = None
    trace: bool = False
    group: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        name = f"{self.architecture} ({self.variant})" if self.variant else self.architecture
        shape = describe_load(self.protocol, self.load.parameters())
        return f"{name} {self.protocol} c={self.load.connections}" + (f" {shape}" if shape else "")

    def expected_seconds(self) -> float:
        """A guess for the progress ETA: start + warm-up + load + stop."""
        body = self.load.duration_s if self.load.requests is None else 5.0
        return 1.0 + self.load.warmup_s + float(body or 0) + (5.0 if self.idle_connections else 0)


@dataclass(frozen=True)
class Group:
    label: str
    architectures: tuple[ArchitectureChoice, ...]
    protocols: tuple[str, ...]
    load: dict[str, Any]
    sweep: dict[str, list[Any]]
    idle_connections: int = 0
    fault: Optional[str] = None
    trace: bool = False
    workers_only: bool = False
    # Flags for every (non-reference) server in the group, before each choice's own flags.
    server_flags: tuple[str, ...] = ()
    # Load overrides per architecture id (e.g. iterative serves one connection at a time).
    architecture_load: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Server flags per architecture id (e.g. pool sizes), after the group's server_flags.
    architecture_flags: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    groups: tuple[Group, ...]
    defaults: dict[str, Any] = field(default_factory=dict)
    report: str = ""
    notes: tuple[str, ...] = ()
    # Runs that would start after this many seconds are skipped (and listed as such).
    time_budget_s: Optional[float] = None
    # Runs given directly (the `run` command builds a one-run scenario this way).
    explicit_runs: tuple[RunSpec, ...] = ()

    def runs(self) -> list[RunSpec]:
        """Every run in file order (group, architecture, protocol, sweep value)."""
        return list(self.explicit_runs) + [
            spec for group in self.groups for spec in _expand(self, group)]

    def architecture_ids(self) -> set[str]:
        return {choice.id for group in self.groups for choice in group.architectures}


def _expand(scenario: Scenario, group: Group) -> list[RunSpec]:
    specs: list[RunSpec] = []
    sweep_keys = sorted(group.sweep)
    sweep_values = list(itertools.product(*(group.sweep[k] for k in sweep_keys))) or [()]
    for choice in group.architectures:
        arch = registry.architecture(choice.id)
        if group.workers_only and not arch.has_worker_processes:
            continue
        for protocol in group.protocols:
            if protocol not in arch.protocols:
                continue
            for values in sweep_values:
                load_values = {**scenario.defaults, **PROTOCOL_LOAD_DEFAULTS.get(protocol, {}),
                               **group.load, **dict(zip(sweep_keys, values)),
                               **group.architecture_load.get(choice.id, {})}
                flags = choice.server_flags if arch.reference else (
                    group.server_flags + group.architecture_flags.get(choice.id, ())
                    + choice.server_flags)
                specs.append(RunSpec(
                    architecture=choice.id, protocol=protocol,
                    load=LoadSpec.from_dict(load_values), variant=choice.variant,
                    server_flags=flags, idle_connections=group.idle_connections,
                    fault=group.fault, trace=group.trace, group=group.label,
                    extra={"group": group.label, **choice.extra}))
    return specs


def _choices(raw: Any, include_reference: bool) -> tuple[ArchitectureChoice, ...]:
    entries = raw if isinstance(raw, list) else [raw]
    choices: list[ArchitectureChoice] = []
    for entry in entries:
        if entry == "all":
            choices.extend(ArchitectureChoice(i) for i in registry.known_ids(False))
        elif isinstance(entry, str):
            choices.append(ArchitectureChoice(entry))
        elif isinstance(entry, dict):
            choices.append(ArchitectureChoice(
                id=entry["id"], variant=entry.get("variant", ""),
                server_flags=tuple(entry.get("server_flags", ())),
                extra=dict(entry.get("extra", {}))))
        else:
            raise ValueError(f"bad architecture entry {entry!r}")
    if include_reference:
        choices.append(ArchitectureChoice(registry.NGINX.id))
    for choice in choices:
        registry.architecture(choice.id)  # raises on an unknown id
    return tuple(choices)


def parse_scenario(raw: dict[str, Any]) -> Scenario:
    """Builds and validates a Scenario from a decoded scenario file."""
    groups: list[Group] = []
    for index, item in enumerate(raw.get("groups", [])):
        protocols = item.get("protocols", "all")
        protocols = list(registry.PROTOCOLS) if protocols == "all" else list(protocols)
        for protocol in protocols:
            if protocol not in registry.PROTOCOLS:
                raise ValueError(f"unknown protocol {protocol!r} in group {index}")
        fault = item.get("fault")
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r} (known: {', '.join(FAULTS)})")
        groups.append(Group(
            label=item.get("label", f"group {index + 1}"),
            architectures=_choices(item.get("architectures", "all"),
                                   bool(item.get("reference", False))),
            protocols=tuple(protocols), load=dict(item.get("load", {})),
            sweep={k: list(v) for k, v in item.get("sweep", {}).items()},
            idle_connections=int(item.get("idle_connections", 0)), fault=fault,
            trace=bool(item.get("trace", False)),
            workers_only=bool(item.get("workers_only", False)),
            server_flags=tuple(item.get("server_flags", ())),
            architecture_load={k: dict(v) for k, v in item.get("architecture_load", {}).items()},
            architecture_flags={k: tuple(v) for k, v in
                                item.get("architecture_flags", {}).items()}))
    for group in groups:
        for arch_id in list(group.architecture_load) + list(group.architecture_flags):
            registry.architecture(arch_id)  # raises on an unknown id
    scenario = Scenario(name=raw["name"], description=raw.get("description", ""),
                        groups=tuple(groups), defaults=dict(raw.get("defaults", {})),
                        report=raw.get("report", ""), notes=tuple(raw.get("notes", ())),
                        time_budget_s=raw.get("time_budget_s"))
    scenario.runs()  # validates every load dict
    return scenario


def scenario_dir() -> pathlib.Path:
    """scenarios/ beside harness/: in runfiles first (files there are symlinks, so do not
    resolve them), else in the source tree."""
    candidates = [pathlib.Path(__file__).absolute().parent.parent / "scenarios",
                  pathlib.Path(__file__).resolve().parent.parent / "scenarios"]
    return next((c for c in candidates if c.is_dir()), candidates[0])


def load_scenario(name_or_path: str) -> Scenario:
    """A scenario by name (scenarios/<name>.json) or by path to a JSON file."""
    path = pathlib.Path(name_or_path)
    if not path.suffix:
        path = scenario_dir() / f"{name_or_path}.json"
    if not path.is_file():
        known = ", ".join(scenario_names()) or "none found"
        raise FileNotFoundError(f"no scenario {name_or_path!r} (known: {known})")
    return parse_scenario(json.loads(path.read_text()))


def scenario_names() -> list[str]:
    return sorted(p.stem for p in scenario_dir().glob("*.json"))

