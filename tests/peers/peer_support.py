"""What every peer test shares: its configuration, the server under test, bounded commands.

A peer test checks one architecture's server binary with real, independent clients from Debian
(curl, ab, wrk, h2load, Node, python3-websockets, Chromium). The Bazel target passes the
architecture and its flags on the command line (see peers_test.bzl):

    --arch=<id>            the binary is $TEST_SRCDIR/archbench/servers/<id>/<id>
    --server-arg=<flag>    one more server flag (repeatable), e.g. --server-arg=--workers
    --concurrency=<n>      how many connections a load peer may hold at once (1 for iterative)
    --broadcast            the architecture shares connections: /broadcast works (else 501)

Everything here is bounded in time: a command that hangs is killed and reported with what it
printed; a server that never says READY fails the test; every server is stopped with SIGTERM
(then SIGKILL of its process group) and reaped, whatever the test did.

Thread-safety: none needed; each test process uses these from its one thread.
"""
from __future__ import annotations

import argparse
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence


@dataclass(frozen=True)
class Configuration:
    """The architecture under test and how hard the peers may push it."""

    arch: str
    server_args: tuple[str, ...] = ()
    concurrency: int = 8
    broadcast: bool = False


_configuration: Optional[Configuration] = None


def configuration() -> Configuration:
    """Parses (once) the flags the Bazel target passes; unknown arguments are left to unittest."""
    global _configuration
    if _configuration is None:
        parser = argparse.ArgumentParser(add_help=False)
        parser.add_argument("--arch", required=True)
        parser.add_argument("--server-arg", action="append", default=[])
        parser.add_argument("--concurrency", type=int, default=8)
        parser.add_argument("--broadcast", action="store_true")
        known, rest = parser.parse_known_args(sys.argv[1:])
        sys.argv[1:] = rest
        _configuration = Configuration(arch=known.arch, server_args=tuple(known.server_arg),
                                       concurrency=max(1, known.concurrency),
                                       broadcast=known.broadcast)
    return _configuration


def runfile(relative: str) -> str:
    """The path of a runfile of this workspace (falls back to the path itself outside Bazel)."""
    for root in (os.environ.get("TEST_SRCDIR"), os.environ.get("RUNFILES_DIR")):
        if root:
            candidate = os.path.join(root, "archbench", relative)
            if os.path.exists(candidate):
                return candidate
    return relative


def scratch_dir() -> str:
    """A fresh directory under the test's temporary directory (removed by Bazel, not by us)."""
    return tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))


def tool(name: str) -> str:
    """The absolute path of a Debian peer; fails (not skips) when it is missing, because
    scripts/setup installs every one of them and CI must not pass by testing nothing."""
    found = shutil.which(name, path="/usr/bin:/bin:/usr/local/bin")
    if not found:
        raise AssertionError(f"{name} is not installed (scripts/setup installs it)")
    return found


def run(argv: Sequence[str], timeout: float, *, input: Optional[bytes] = None,
        env: Optional[Mapping[str, str]] = None) -> subprocess.CompletedProcess:
    """Runs a command to completion within `timeout` seconds; a hang is a test failure that
    shows the command and everything it printed before it was killed."""
    child_env = dict(os.environ)
    if env:
        child_env.update(env)
    process = subprocess.Popen(list(argv), stdin=subprocess.PIPE if input is not None else
                               subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=child_env, start_new_session=True)
    try:
        out, err = process.communicate(input=input, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        out, err = process.communicate()
        raise AssertionError(f"timed out after {timeout} s: {' '.join(argv)}\n"
                             f"stdout: {out[-4000:]!r}\nstderr: {err[-4000:]!r}") from None
    finally:
        if process.poll() is None:
            _kill_group(process)
            process.wait()
    return subprocess.CompletedProcess(list(argv), process.returncode, out, err)


def describe(result: subprocess.CompletedProcess) -> str:
    """A failure message: the command, its exit status and the tail of what it printed."""
    return (f"command: {' '.join(result.args)}\nexit status: {result.returncode}\n"
            f"stdout: {result.stdout[-4000:].decode(errors='replace')}\n"
            f"stderr: {result.stderr[-4000:].decode(errors='replace')}")


def _kill_group(process: subprocess.Popen) -> None:
    # The child leads its own session (start_new_session), so its group id is its pid: this
    # reaches the helpers it started (Chromium's renderers, say) and nothing else.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@dataclass
class Server:
    """One running server binary, started by ServerUnderTest.start()."""

    process: subprocess.Popen
    host: str
    port: int
    announced_pid: int
    stderr_path: str
    argv: list[str] = field(default_factory=list)

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def ws_url(self, path: str = "/") -> str:
        return f"ws://{self.host}:{self.port}{path}"

    def log(self) -> str:
        """The server's stderr so far (its last 4000 characters)."""
        with open(self.stderr_path, "rb") as f:
            return f.read().decode(errors="replace")[-4000:]

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> Optional[int]:
        """SIGTERM, wait up to 5 s, then SIGKILL the process group; always reaps. Returns the
        exit status seen after SIGTERM (None if it had to be killed)."""
        status: Optional[int] = self.process.poll()
        if status is None:
            try:
                self.process.send_signal(signal.SIGTERM)
                status = self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                status = None
        _kill_group(self.process)
        if self.process.poll() is None:
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        return status


def start_server(protocol: str, extra_args: Sequence[str] = (),
                 ready_timeout: float = 15.0) -> Server:
    """Starts the configured architecture with --protocol `protocol` on an ephemeral loopback
    port and waits (bounded) for its `READY <host> <port> <pid>` line."""
    config = configuration()
    binary = runfile(f"servers/{config.arch}/{config.arch}")
    argv = [binary, "--protocol", protocol, "--host", "127.0.0.1", "--port", "0",
            *config.server_args, *extra_args]
    stderr_path = os.path.join(scratch_dir(), f"{config.arch}_{protocol}.stderr")
    with open(stderr_path, "wb") as stderr_file:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=stderr_file, start_new_session=True)
    server = Server(process=process, host="", port=0, announced_pid=0,
                    stderr_path=stderr_path, argv=argv)
    try:
        line = _read_line(process, ready_timeout)
        words = line.split()
        if len(words) != 4 or words[0] != "READY":
            raise AssertionError(f"expected 'READY <host> <port> <pid>', got {line!r}")
        server.host, server.port, server.announced_pid = words[1], int(words[2]), int(words[3])
        if server.announced_pid != process.pid:
            raise AssertionError(f"READY names pid {server.announced_pid}, started {process.pid}")
        return server
    except BaseException as error:
        server.stop()
        raise AssertionError(f"{' '.join(argv)} did not start: {error}\n"
                             f"server stderr: {server.log()}") from None


def _read_line(process: subprocess.Popen, timeout: float) -> str:
    """One stdout line, waiting at most `timeout` seconds in total."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    collected = b""
    fd = process.stdout.fileno()
    while b"\n" not in collected:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no READY line within {timeout} s (stdout so far {collected!r})")
        readable, _, _ = select.select([fd], [], [], left)
        if readable:
            chunk = os.read(fd, 4096)
            if not chunk:
                raise AssertionError(f"server exited (status {process.wait()}) before READY; "
                                     f"stdout {collected!r}")
            collected += chunk
    return collected.split(b"\n", 1)[0].decode(errors="replace").strip()


class ServerTestCase(unittest.TestCase):
    """A test class whose cases share one server: PROTOCOL (and EXTRA_ARGS) pick its mode.

    The server starts in setUpClass and is stopped in tearDownClass; a test that finds it dead
    fails with its log, so one crash is reported where it happened, not as a later timeout.
    """

    PROTOCOL = "http"
    EXTRA_ARGS: tuple[str, ...] = ()
    server: Server

    @classmethod
    def setUpClass(cls) -> None:
        cls.config = configuration()
        cls.server = start_server(cls.PROTOCOL, cls.EXTRA_ARGS)

    @classmethod
    def tearDownClass(cls) -> None:
        status = cls.server.stop()
        if status != 0:
            # tearDownClass errors are not test cases in the JUnit file: say it on stderr,
            # which Bazel keeps in test.log.
            print(f"WARNING: {cls.config.arch} --protocol {cls.PROTOCOL} exited with status "
                  f"{status} after SIGTERM\n{cls.server.log()}", file=sys.stderr)

    def setUp(self) -> None:
        if not self.server.alive():
            self.fail(f"the server is not running (exit {self.server.process.returncode})\n"
                      f"{self.server.log()}")

    def tearDown(self) -> None:
        # A peer that crashed the server is the test that just ran.
        time.sleep(0.05)
        if not self.server.alive():
            self.fail(f"the server died during this test (exit {self.server.process.returncode})"
                      f"\n{self.server.log()}")
