"""How connections spread over a server's children or threads, from its --trace lines.

Servers started with --trace log one line per connection event (servers/core/server_log.h):
    trace: <event> <peer> pid=<pid> tid=<tid>
Counting one event kind per connection by pid (or by tid when every line has the same pid, as
in the threaded designs) gives the distribution Stevens shows for prefork: with no accept lock
the kernel hands connections round the children unevenly; with a lock they take turns.

Best effort by design: unknown lines are ignored, and a log without trace lines gives None.

Thread-safety: pure functions.
"""
from __future__ import annotations

import collections
import pathlib
import re
import statistics
from dataclasses import asdict, dataclass
from typing import Any, Optional

TRACE_LINE = re.compile(r"trace:\s+(?P<event>\S+)\s+\S+\s+pid=(?P<pid>\d+)(?:\s+tid=(?P<tid>\d+))?")
PREFERRED_EVENTS = ("accept", "accepted", "open", "opened", "serve", "start")


@dataclass(frozen=True)
class ConnectionSpread:
    """Connections per serving unit (process or thread), most loaded first."""

    event: str
    unit: str
    counts: tuple[int, ...]

    @property
    def connections(self) -> int:
        return sum(self.counts)

    def summary(self) -> str:
        """'2500 connections over 15 processes: min 150, max 190, stdev 11.2'."""
        if not self.counts:
            return "no traced connections"
        units = f"{len(self.counts)} {self.unit}{'es' if self.unit == 'process' else 's'}"
        if len(self.counts) == 1:
            return f"{self.connections} connections, all on one {self.unit}"
        spread = statistics.pstdev(self.counts)
        return (f"{self.connections} connections over {units}: min {min(self.counts)}, "
                f"max {max(self.counts)}, stdev {spread:.1f}")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["counts"] = list(self.counts)
        data["summary"] = self.summary()
        return data


def count_connections(lines: list[str]) -> Optional[ConnectionSpread]:
    """The spread of one event kind over processes (or threads); None without trace lines."""
    parsed = [m for m in (TRACE_LINE.search(line) for line in lines) if m]
    if not parsed:
        return None
    events = collections.Counter(m.group("event") for m in parsed)
    event = next((e for e in PREFERRED_EVENTS if e in events), events.most_common(1)[0][0])
    chosen = [m for m in parsed if m.group("event") == event]
    pids = {m.group("pid") for m in chosen}
    by_thread = len(pids) == 1 and all(m.group("tid") for m in chosen)
    key = "tid" if by_thread else "pid"
    per_unit = collections.Counter(m.group(key) for m in chosen)
    return ConnectionSpread(event=event, unit="thread" if by_thread else "process",
                            counts=tuple(sorted(per_unit.values(), reverse=True)))


def count_connections_in_file(path: pathlib.Path, limit_bytes: int = 64 << 20
                              ) -> Optional[ConnectionSpread]:
    """count_connections over a stderr log (reads at most limit_bytes)."""
    try:
        with open(path, "rb") as handle:
            text = handle.read(limit_bytes).decode(errors="replace")
    except OSError:
        return None
    return count_connections(text.splitlines())
