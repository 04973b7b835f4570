"""Starting a server, waiting for READY with a bound, and stopping it with a bound.

The contract (DESIGN.md, Interfaces): the server prints `READY <host> <port> <pid>` on stdout
once it accepts connections, and exits 0 within 2 s of SIGTERM with every child reaped. The
harness holds it to that and turns every way of breaking it into a named outcome instead of a
wait: no READY in time, or an exit before it, or not stopping in time, or children left behind.

The server runs in its own session (process group), so a SIGKILL fallback reaches its whole
tree even when the server itself no longer can. nginx prints no READY line; for it readiness is
"the port accepts a TCP connection" (see wait_for_port).

Thread-safety: a ServerProcess is driven by one thread; its stdout drain runs on a private
daemon thread that only appends to a list.
"""
from __future__ import annotations

import os
import pathlib
import select
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import IO, Optional

READY_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 2.0
BAD_USAGE_STATUS = 2


@dataclass(frozen=True)
class StartFailure:
    """Why a server never became ready: `hung` (no READY in time), `crashed` (it exited), or
    `unsupported` (it exited 2: it refused the flags, as the contract says for a bad flag)."""

    verdict: str
    detail: str


@dataclass
class StopOutcome:
    """How a stop went."""

    exit_status: Optional[int]
    stopped_in_time: bool
    leftover_processes: int = 0
    timeout_s: float = STOP_TIMEOUT_S
    # getrusage of the server and every descendant it reaped, over its whole life (wait4):
    # exact to the microsecond, and what UNP ch. 30 measured. None when it could not be had.
    lifetime_cpu_seconds: Optional[float] = None

    def problem(self) -> Optional[str]:
        """A sentence when the server broke the stop contract, else None."""
        if not self.stopped_in_time:
            return f"did not stop within {self.timeout_s:g} s of SIGTERM (killed)"
        if self.exit_status not in (0, None):
            how = (f"killed by signal {-self.exit_status}" if self.exit_status < 0
                   else f"exit status {self.exit_status}")
            return f"{how} after SIGTERM"
        if self.leftover_processes:
            return f"left {self.leftover_processes} process(es) running after exit (killed)"
        return None


@dataclass
class ServerProcess:
    """A started server. Use start(), then host/port/pid, then stop()."""

    command: list[str]
    stderr_path: pathlib.Path
    env: Optional[dict[str, str]] = None
    process: Optional[subprocess.Popen[bytes]] = None
    host: str = "127.0.0.1"
    port: int = 0
    pid: int = 0
    stdout_lines: list[str] = field(default_factory=list)
    _stderr_file: Optional[IO[bytes]] = None
    _drain: Optional[threading.Thread] = None

    def spawn(self) -> None:
        """Starts the process (stdout piped for READY, stderr to stderr_path)."""
        self._stderr_file = open(self.stderr_path, "wb")
        self.process = subprocess.Popen(
            self.command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=self._stderr_file, start_new_session=True, env=self.env)
        self.pid = self.process.pid

    def start(self, timeout_s: float = READY_TIMEOUT_S) -> Optional[StartFailure]:
        """Spawns and waits for the READY line; None on success."""
        self.spawn()
        failure = self._wait_ready(timeout_s)
        if failure is None:
            self._drain = threading.Thread(target=self._drain_stdout, daemon=True)
            self._drain.start()
        return failure

    def _wait_ready(self, timeout_s: float) -> Optional[StartFailure]:
        assert self.process is not None and self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout_s
        buffer = b""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return StartFailure("hung", f"no READY line within {timeout_s:g} s")
            readable, _, _ = select.select([fd], [], [], min(remaining, 0.2))
            if readable:
                chunk = os.read(fd, 4096)
                if not chunk:
                    return self._exited_before_ready(deadline)
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    text = line.decode(errors="replace").strip()
                    self.stdout_lines.append(text)
                    if self._parse_ready(text):
                        return None
            elif self.process.poll() is not None:
                return self._exited_before_ready(deadline)

    def _exited_before_ready(self, deadline: float) -> StartFailure:
        assert self.process is not None
        try:
            status = self.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return StartFailure("hung", "closed stdout without READY and did not exit")
        if status == BAD_USAGE_STATUS:
            # The contract's "bad flag -> exit 2": the server refused this configuration (e.g.
            # a protocol it does not serve yet). Nothing ran, nothing crashed.
            return StartFailure("unsupported", f"server refused its flags (exit 2): "
                                f"{self.stderr_tail()}")
        return StartFailure("crashed", f"exited ({status}) before READY: {self.stderr_tail()}")

    def _parse_ready(self, line: str) -> bool:
        parts = line.split()
        if len(parts) == 4 and parts[0] == "READY" and parts[2].isdigit() and parts[3].isdigit():
            self.host, self.port, self.pid = parts[1], int(parts[2]), int(parts[3])
            return True
        return False

    def _drain_stdout(self) -> None:
        # Keeps the pipe from filling up; a server that writes to stdout after READY must not
        # block on it.
        assert self.process is not None and self.process.stdout is not None
        for raw in self.process.stdout:
            if len(self.stdout_lines) < 1000:
                self.stdout_lines.append(raw.decode(errors="replace").rstrip("\n"))

    def exited(self) -> Optional[int]:
        """The exit status if the server has exited, else None."""
        return self.process.poll() if self.process is not None else None

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> StopOutcome:
        """SIGTERM, wait up to timeout_s, then SIGKILL the whole group. Always bounded."""
        assert self.process is not None
        outcome = StopOutcome(exit_status=None, stopped_in_time=True, timeout_s=timeout_s)
        if self.process.returncode is None:
            try:
                self.process.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            if not self._reap(outcome, timeout_s):
                outcome.stopped_in_time = False
                _kill_group(self.process.pid)
                self._reap(outcome, 5.0)
        else:
            outcome.exit_status = self.process.returncode
        outcome.leftover_processes = _kill_group(self.process.pid) if outcome.stopped_in_time else 0
        if self._stderr_file is not None:
            self._stderr_file.close()
        if self._drain is not None:
            self._drain.join(timeout=1)
        return outcome

    def _reap(self, outcome: StopOutcome, timeout_s: float) -> bool:
        """wait4 with a deadline (polling WNOHANG): the exit status and the rusage together."""
        assert self.process is not None
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                pid, status, usage = os.wait4(self.process.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere (Popen.poll): status only
                outcome.exit_status = self.process.poll()
                return outcome.exit_status is not None
            if pid:
                code = os.waitstatus_to_exitcode(status)
                self.process.returncode = code  # keep Popen from waiting again
                outcome.exit_status = code
                outcome.lifetime_cpu_seconds = round(usage.ru_utime + usage.ru_stime, 6)
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

    def stderr_tail(self, limit: int = 300) -> str:
        """The last bytes of stderr on one line, for messages."""
        try:
            data = self.stderr_path.read_bytes()[-limit:]
        except OSError:
            return ""
        return " | ".join(data.decode(errors="replace").strip().splitlines()[-3:])


def _group_members(pgid: int) -> list[int]:
    """Live (non-zombie) pids in process group `pgid`."""
    members: list[int] = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            text = pathlib.Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = text.rpartition(")")[2].split()
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def _kill_group(pgid: int) -> int:
    """SIGKILLs what is left of the group; returns how many processes were still there."""
    members = _group_members(pgid)
    if members:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return len(members)


def wait_for_port(host: str, port: int, timeout_s: float,
                  process: Optional[subprocess.Popen[bytes]] = None) -> bool:
    """Polls until host:port accepts a TCP connection (bounded); False on timeout or exit."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (for nginx, which cannot listen on port 0 and say)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
