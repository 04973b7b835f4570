"""Progress for a scenario: one redrawn line with a bar and an ETA on a terminal, plain lines
otherwise (CI logs, pipes), so a log stays readable and a terminal stays quiet.

The ETA scales the remaining runs' expected durations by how long the finished runs took
compared with what was expected of them, so it corrects itself as the scenario goes.

Thread-safety: one Progress per scenario, driven from the scenario's thread.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO

BAR_WIDTH = 24


def format_duration(seconds: float) -> str:
    """'42s', '3m05s', '1h02m'."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"


@dataclass
class Progress:
    """Tracks `total` runs with expected durations (seconds) for the ETA."""

    expected: list[float]
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    interactive: bool = False
    done: int = 0
    _expected_done: float = 0.0
    _started: float = field(default_factory=time.monotonic)

    @staticmethod
    def for_stream(expected: list[float], stream: TextIO = sys.stderr) -> "Progress":
        return Progress(expected=expected, stream=stream,
                        interactive=hasattr(stream, "isatty") and stream.isatty())

    @property
    def total(self) -> int:
        return len(self.expected)

    def eta_seconds(self) -> float:
        remaining = sum(self.expected[self.done:])
        elapsed = time.monotonic() - self._started
        ratio = elapsed / self._expected_done if self._expected_done > 0 else 1.0
        return remaining * ratio

    def begin(self, title: str) -> None:
        """A run is starting."""
        if self.interactive:
            filled = BAR_WIDTH * self.done // max(1, self.total)
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            line = (f"[{bar}] {self.done}/{self.total} {title}  "
                    f"ETA {format_duration(self.eta_seconds())}")
            self.stream.write("\r\x1b[2K" + line[:160])
            self.stream.flush()

    def end(self, title: str, outcome: str) -> None:
        """A run finished with a one-line outcome (verdict and headline numbers)."""
        if self.done < self.total:
            self._expected_done += self.expected[self.done]
        self.done += 1
        line = f"[{self.done}/{self.total}] {title}: {outcome}"
        if self.interactive:
            self.stream.write("\r\x1b[2K" + line + "\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def note(self, message: str) -> None:
        """A message that is not a run (skips, headings)."""
        self.stream.write(("\r\x1b[2K" if self.interactive else "") + message + "\n")
        self.stream.flush()

    def finish(self) -> None:
        elapsed = time.monotonic() - self._started
        self.note(f"{self.done} run(s) in {format_duration(elapsed)}")
