"""Progress for a scenario: one redrawn line with a bar and an ETA on a terminal, plain lines
otherwise (CI logs, pipes), so a log stays readable and a terminal stays quiet.

The ETA scales the remaining runs' expected durations by how long the finished runs took
compared with what was expected of them, so it corrects itself as the scenario goes.

On a terminal the line is redrawn once a second while a run is going (a small daemon thread),
so the ETA keeps moving during long runs.

Thread-safety: one Progress per scenario, driven from the scenario's thread; the redraw thread
only touches the stream under the object's lock.
"""
from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Optional, TextIO

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
    _run_started: float = 0.0
    _title: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ticker_stop: threading.Event = field(default_factory=threading.Event)
    _ticker: Optional[threading.Thread] = None

    @staticmethod
    def for_stream(expected: list[float], stream: TextIO = sys.stderr) -> "Progress":
        return Progress(expected=expected, stream=stream,
                        interactive=hasattr(stream, "isatty") and stream.isatty())

    @property
    def total(self) -> int:
        return len(self.expected)

    def eta_seconds(self) -> float:
        remaining = sum(self.expected[self.done:])
        now = time.monotonic()
        finished_time = self._run_started - self._started if self.done else 0.0
        ratio = finished_time / self._expected_done if self._expected_done > 0 else 1.0
        in_run = now - self._run_started if self._run_started else 0.0
        return max(0.0, remaining * ratio - in_run)

    def begin(self, title: str) -> None:
        """A run is starting."""
        self._title = title
        self._run_started = time.monotonic()
        if self.interactive:
            self._draw()
            if self._ticker is None:
                self._ticker = threading.Thread(target=self._tick, daemon=True)
                self._ticker.start()

    def _draw(self) -> None:
        filled = BAR_WIDTH * self.done // max(1, self.total)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        line = (f"[{bar}] {self.done}/{self.total} {self._title}  "
                f"ETA {format_duration(self.eta_seconds())}")
        with self._lock:
            self.stream.write("\r\x1b[2K" + line[:160])
            self.stream.flush()

    def _tick(self) -> None:
        while not self._ticker_stop.wait(1.0):
            if self._title:
                self._draw()

    def end(self, title: str, outcome: str) -> None:
        """A run finished with a one-line outcome (verdict and headline numbers)."""
        self._title = ""
        if self.done < self.total:
            self._expected_done += self.expected[self.done]
        self.done += 1
        line = f"[{self.done}/{self.total}] {title}: {outcome}"
        self.note(line)

    def note(self, message: str) -> None:
        """A message that is not a run (skips, headings)."""
        with self._lock:
            self.stream.write(("\r\x1b[2K" if self.interactive else "") + message + "\n")
            self.stream.flush()

    def finish(self) -> None:
        """Prints the total time and stops the redraw thread."""
        self._ticker_stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=2)
        elapsed = time.monotonic() - self._started
        self.note(f"{self.done} run(s) in {format_duration(elapsed)}")
