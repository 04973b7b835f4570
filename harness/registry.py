"""The architecture registry: which server binaries exist, how to start them, what they are.

This is the one place the harness learns about architectures. Each entry names the Bazel label
of the server binary, the flags the harness passes by default (on top of the contract's
`--protocol P --host 127.0.0.1 --port 0`), whether the design has worker processes that a fault
scenario can kill, and a one-line note for `archbench list`.

Default flags are deliberately few: a server rejects an unknown flag with exit status 2, so every
flag listed here is one the architecture's owner documents. Scenario files add the rest.

Thread-safety: module-level constants only; read-only after import.
"""
from __future__ import annotations

from dataclasses import dataclass, field

PROTOCOLS: tuple[str, ...] = ("echo", "eof", "length", "http", "websocket", "timer")


@dataclass(frozen=True)
class Architecture:
    """One server design, as the harness starts it."""

    id: str
    label: str
    model: str
    notes: str
    default_flags: tuple[str, ...] = ()
    # Processes the harness may kill -9 in the faults scenario (forked workers or children).
    has_worker_processes: bool = False
    # A reference row (nginx) is measured like a server but is not one of ours.
    reference: bool = False
    protocols: tuple[str, ...] = field(default=PROTOCOLS)

    @property
    def binary_name(self) -> str:
        """The file name of the binary under bazel-bin (the label's target name)."""
        return self.label.rsplit(":", 1)[-1] if ":" in self.label else self.label.rsplit("/", 1)[-1]

    @property
    def package(self) -> str:
        """The label's package path, e.g. `servers/iterative`."""
        return self.label.lstrip("/").split(":", 1)[0]


ARCHITECTURES: tuple[Architecture, ...] = (
    Architecture(
        id="iterative",
        label="//servers/iterative",
        model="blocking iterative",
        notes="one connection at a time: accept, serve until EOF, close, next",
    ),
    Architecture(
        id="select_loop",
        label="//servers/select_loop",
        model="one process, select()",
        notes="many connections in one process; past FD_SETSIZE a clear refusal",
    ),
    Architecture(
        id="prefork",
        label="//servers/prefork",
        model="leader-follower prefork",
        notes="N children blocked in accept(); --accept-lock none|fcntl|mutex",
        has_worker_processes=True,
    ),
    Architecture(
        id="fork_limited",
        label="//servers/fork_limited",
        model="limited fork-per-connection",
        notes="a child per connection while children < --max-procs (0: no limit)",
        has_worker_processes=True,
    ),
    Architecture(
        id="socketpair_workers",
        label="//servers/socketpair_workers",
        model="socketpair-notified children",
        notes="--mode notify (children report done) or --mode pass-fd (descriptor passing)",
        has_worker_processes=True,
    ),
    Architecture(
        id="worker_pool",
        label="//servers/worker_pool",
        model="prefork pool with respawn",
        notes="master forks N workers; a dead worker is replaced at once (SIGCHLD)",
        has_worker_processes=True,
    ),
    Architecture(
        id="reactor",
        label="//servers/reactor",
        model="reactor threads + worker/task processes",
        notes="Swoole's master/manager/worker/task model",
        has_worker_processes=True,
    ),
    Architecture(
        id="event_loop",
        label="//servers/event_loop",
        model="single-threaded epoll loop",
        notes="non-blocking, timers from the loop",
    ),
    Architecture(
        id="threads",
        label="//servers/threads",
        model="thread per connection / prethreaded pool",
        notes="--mode per-connection, or --mode pool with --accept mutex|main|none",
    ),
    Architecture(
        id="asio",
        label="//servers/asio",
        model="Asio, one io_context per core",
        notes="what a modern C++ user would pick; the reference to beat",
    ),
)

# nginx is started from a generated config (see nginx_reference.py), not from a Bazel label.
NGINX = Architecture(
    id="nginx",
    label="/usr/sbin/nginx",
    model="nginx (reference)",
    notes="Debian's nginx-light, 2 workers, static replies: a reference row for HTTP only",
    reference=True,
    has_worker_processes=True,
    protocols=("http",),
)

_BY_ID = {arch.id: arch for arch in ARCHITECTURES + (NGINX,)}


def architecture(arch_id: str) -> Architecture:
    """The registry entry for `arch_id`; KeyError names the known ids."""
    try:
        return _BY_ID[arch_id]
    except KeyError:
        known = ", ".join(sorted(_BY_ID))
        raise KeyError(f"unknown architecture {arch_id!r} (known: {known})") from None


def known_ids(include_reference: bool = True) -> list[str]:
    """Every architecture id in registry order (nginx last when included)."""
    ids = [arch.id for arch in ARCHITECTURES]
    if include_reference:
        ids.append(NGINX.id)
    return ids
