"""Faults made of connections the harness holds: slowloris and descriptor exhaustion, and the
non-blocking client pool that the socket-level faults share.

- `slowloris`: 500 connections, each sending one byte of a request header per second and never
  finishing it, for the fault window, against servers started with `--header-timeout-ms 2000`
  (nginx: `client_header_timeout 2s`). Each slow connection ends up in one bucket: answered 408,
  another status, closed without a reply, still open with no answer, or never connected. The
  listen socket's accept queue at the end of the window (from /proc/net/tcp) says how many
  connections the server had not even accepted.
- `slow_body`: the slow POST (R-U-Dead-Yet). 500 connections each send a whole POST header that
  announces a 1 MB body, then 16 bytes of it, then nothing, against servers started with
  `--body-timeout-ms 2000`; the same buckets as slowloris. The nginx row says why it does not
  apply: its reference config has no location that reads a body.
- `descriptor_exhaustion`: the server runs under `prlimit --nofile=N:N` (nginx: N descriptors
  per worker via worker_rlimit_nofile); the fault opens 2N idle connections, holds them for the
  window, then closes them all. The server's highest descriptor count and how many connections
  it closed or answered are recorded.

Everything is non-blocking on one selector in the fault's thread: no thread per connection, every
wait bounded by the window, every socket closed in cleanup() whatever happened.

Thread-safety: a ClientPool and these faults belong to the fault's own thread.
"""
from __future__ import annotations

import errno
import os
import pathlib
import selectors
import socket
import struct
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar, Optional

from harness.fault_injection import Fault, ServerSetup
from harness.idle_connections import raise_open_file_limit
from harness.proc_sampler import descendants

HEAD_LIMIT = 256
READ_CHUNK = 65536
SS_TIMEOUT_S = 2.0


@dataclass(eq=False)
class Client:
    """One connection of a ClientPool and what happened on it."""

    sock: socket.socket
    kind: str = ""
    opened_at: float = 0.0
    connected: bool = False
    ended: str = ""  # "" while open; "eof", "reset" or "error" once the server ended it
    head: bytes = b""  # the first HEAD_LIMIT bytes received
    bytes_read: int = 0
    bytes_sent: int = 0
    next_send_at: float = 0.0

    def reply_head_complete(self) -> bool:
        """The reply's status line and headers have arrived (or as much as is kept)."""
        return b"\r\n\r\n" in self.head or len(self.head) >= HEAD_LIMIT

    def status(self) -> Optional[int]:
        """The HTTP status of the reply's first line, once one arrived."""
        line = self.head.split(b"\r\n", 1)[0].split()
        if len(line) >= 2 and line[0].startswith(b"HTTP/") and line[1].isdigit():
            return int(line[1])
        return None


@dataclass
class ClientPool:
    """Non-blocking client sockets to host:port on one selector. close_all() closes every one."""

    host: str
    port: int
    clients: dict[socket.socket, Client] = field(default_factory=dict)
    # Clients closed by close(), kept for the counts (their sockets are closed).
    closed_clients: list[Client] = field(default_factory=list)
    # Every connect that failed; failed_to_start: those that never got a Client (no socket, or
    # connect refused at once), which all_clients() therefore does not list.
    connect_failed: int = 0
    failed_to_start: int = 0
    # Made on first use and dropped by close_all(), so a closed pool holds no descriptor.
    _selector_or_none: Optional[selectors.BaseSelector] = None

    @property
    def _selector(self) -> selectors.BaseSelector:
        if self._selector_or_none is None:
            self._selector_or_none = selectors.DefaultSelector()
        return self._selector_or_none

    def open(self, count: int, kind: str = "", receive_buffer: Optional[int] = None
             ) -> list[Client]:
        """Starts `count` connects; returns the clients whose connect is under way. A
        receive_buffer (bytes) is set before connecting, which fixes the window it offers."""
        started: list[Client] = []
        for _ in range(count):
            try:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            except OSError:  # our own descriptor limit: count it, do not crash the fault
                self.connect_failed += 1
                self.failed_to_start += 1
                continue
            if receive_buffer is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
            sock.setblocking(False)
            code = sock.connect_ex((self.host, self.port))
            if code not in (0, errno.EINPROGRESS):
                sock.close()
                self.connect_failed += 1
                self.failed_to_start += 1
                continue
            client = Client(sock=sock, kind=kind, opened_at=time.monotonic())
            self.clients[sock] = client
            self._selector.register(sock, selectors.EVENT_WRITE)
            started.append(client)
        return started

    def poll(self, timeout_s: float) -> list[tuple[Client, str]]:
        """Waits up to timeout_s; returns (client, "connected" | "connect_failed" | "data" |
        "closed") for every change. A client the server closed stays in `clients`, for the
        counts, until close() or close_all()."""
        changes: list[tuple[Client, str]] = []
        if not self._selector.get_map():
            time.sleep(max(0.0, timeout_s))
            return changes
        for key, _ in self._selector.select(timeout=max(0.0, timeout_s)):
            client = self.clients[key.fileobj]  # type: ignore[index]
            if not client.connected:
                if client.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                    self.connect_failed += 1
                    self.close(client)
                    changes.append((client, "connect_failed"))
                    continue
                client.connected = True
                self._selector.modify(client.sock, selectors.EVENT_READ)
                changes.append((client, "connected"))
                continue
            changes.append((client, self._read(client)))
        return changes

    def _read(self, client: Client) -> str:
        try:
            data = client.sock.recv(READ_CHUNK)
        except BlockingIOError:
            return "data"
        except ConnectionResetError:
            return self._ended(client, "reset")
        except OSError:
            return self._ended(client, "error")
        if not data:
            return self._ended(client, "eof")
        if len(client.head) < HEAD_LIMIT:
            client.head += data[:HEAD_LIMIT - len(client.head)]
        client.bytes_read += len(data)
        return "data"

    def _ended(self, client: Client, how: str) -> str:
        client.ended = how
        self._selector.unregister(client.sock)
        return "closed"

    def send(self, client: Client, data: bytes) -> int:
        """Sends what the socket takes now (no waiting); returns the byte count: 0 when the
        send buffer is full or the connection is gone (the next poll() tells which)."""
        try:
            sent = client.sock.send(data)
        except OSError:
            return 0
        client.bytes_sent += sent
        return sent

    def open_clients(self) -> list[Client]:
        return [c for c in self.clients.values() if not c.ended]

    def all_clients(self) -> list[Client]:
        """Every client ever opened that got a socket, open or closed."""
        return list(self.clients.values()) + self.closed_clients

    def close(self, client: Client, reset: bool = False) -> None:
        """Closes one client; reset=True sends RST (SO_LINGER 0) instead of FIN."""
        if client.sock not in self.clients:
            return
        del self.clients[client.sock]
        self.closed_clients.append(client)
        if not client.ended:
            self._selector.unregister(client.sock)
        try:
            if reset:
                client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            client.sock.close()
        except OSError:
            pass

    def close_all(self) -> None:
        """Closes every socket and the selector; safe to call twice."""
        for client in list(self.clients.values()):
            self.close(client)
        if self._selector_or_none is not None:
            self._selector_or_none.close()
            self._selector_or_none = None


def accept_queue_length(port: int, host: str = "127.0.0.1") -> Optional[int]:
    """Connections waiting in the accept queue of the listening socket(s) on host:port, summed
    over SO_REUSEPORT sockets (for a LISTEN socket, Recv-Q is that count); None when unknown.

    `ss` asks the kernel over netlink with the port as a filter; /proc/net/tcp would list every
    socket of the machine first (tens of thousands of TIME_WAIT entries after a no-keep-alive
    load: a third of a second, which would stretch the fault window).
    """
    try:
        listing = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True,
                                 text=True, timeout=SS_TIMEOUT_S, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_listen_queues(listing, host, port)


def parse_listen_queues(listing: str, host: str, port: int) -> Optional[int]:
    """Sums Recv-Q of `ss -ltnH` lines whose local address is host:port; None when none is."""
    total, found = 0, False
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[0] == "LISTEN" and fields[3] == f"{host}:{port}" \
                and fields[1].isdigit():
            total += int(fields[1])
            found = True
    return total if found else None


def most_open_descriptors(proc: pathlib.Path, root_pid: int) -> Optional[int]:
    """The largest number of open descriptors of one process of the tree."""
    counts = []
    for process in descendants(proc, root_pid):
        try:
            counts.append(len(os.listdir(proc / str(process.pid) / "fd")))
        except OSError:
            continue
    return max(counts) if counts else None


class SocketFault(Fault):
    """A fault made of client sockets: owns one ClientPool, closed whatever happens (cleanup())."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pool = ClientPool(self.target.host, self.target.port)

    def cleanup(self) -> None:
        self.pool.close_all()


class Slowloris(SocketFault):
    """Many connections sending a request header one byte per second."""

    name = "slowloris"
    summary = ("500 connections each send one header byte per second for the window "
               "(servers: --header-timeout-ms 2000)")
    length_s = 3.0
    connections: ClassVar[int] = 500
    byte_interval_s: ClassVar[float] = 1.0
    header_timeout_ms: ClassVar[int] = 2000
    # Never complete: a request line and a header longer than any window lets us send.
    header: ClassVar[bytes] = b"GET / HTTP/1.1\r\nHost: slowloris\r\nX-Slow: " + b"z" * 64

    @classmethod
    def server_setup(cls) -> ServerSetup:
        return ServerSetup(flags=("--header-timeout-ms", str(cls.header_timeout_ms)),
                           nginx=(("client_header_timeout_s", cls.header_timeout_ms / 1000),))

    def inject(self, deadline: float) -> None:
        raise_open_file_limit(self.connections + 1024)
        self.pool.open(self.connections)
        while not self.stopped():
            now = time.monotonic()
            if now >= deadline:
                break
            next_due = deadline
            for client in self.pool.open_clients():
                if not client.connected:
                    continue
                if now >= client.next_send_at:
                    piece, wait_s = self.next_piece(client)
                    if piece:
                        self.pool.send(client, piece)
                    client.next_send_at = now + wait_s
                next_due = min(next_due, client.next_send_at)
            for client, change in self.pool.poll(min(0.1, max(0.0, next_due - now))):
                if change == "connected":
                    client.next_send_at = time.monotonic()  # the first byte right away
                elif change == "closed" or client.reply_head_complete():
                    # Answered or hung up on: leave, as a client would. Staying would hold a
                    # blocking server in its lingering close, which is not this fault's point.
                    self.pool.close(client)
        self.result.update(self.tally())
        self.result["accept_queue_at_end"] = accept_queue_length(self.target.port)
        self.pool.close_all()
        self.ended_at = time.monotonic()

    def next_piece(self, client: Client) -> tuple[bytes, float]:
        """What `client` sends now, and how long until it sends again: one header byte a second."""
        index = client.bytes_sent % len(self.header)
        return self.header[index:index + 1], self.byte_interval_s

    def tally(self) -> dict[str, Any]:
        """Each slow connection in one bucket (see the module doc)."""
        buckets = {"got_408": 0, "other_status": 0, "closed_without_reply": 0,
                   "no_answer": 0, "never_connected": 0}
        statuses: dict[str, int] = {}
        for client in self.pool.all_clients():
            status = client.status()
            if status == 408:
                buckets["got_408"] += 1
            elif status is not None:
                buckets["other_status"] += 1
                statuses[str(status)] = statuses.get(str(status), 0) + 1
            elif client.ended:
                buckets["closed_without_reply"] += 1
            elif client.connected:
                buckets["no_answer"] += 1
            else:
                buckets["never_connected"] += 1
        buckets["never_connected"] += self.pool.failed_to_start
        return {"slow_connections": self.connections, **buckets, "other_statuses": statuses,
                "bytes_sent": sum(c.bytes_sent for c in self.pool.all_clients())}


class SlowBody(Slowloris):
    """Many connections that send a whole header announcing a body, a little of it, then stall."""

    name = "slow_body"
    summary = ("500 connections each send a POST header announcing 1 MB, 16 body bytes, then "
               "nothing for the window (servers: --body-timeout-ms 2000)")
    body_timeout_ms: ClassVar[int] = 2000
    request: ClassVar[bytes] = (b"POST /echo HTTP/1.1\r\nHost: slowbody\r\n"
                                b"Content-Length: 1000000\r\n\r\n" + b"b" * 16)

    @classmethod
    def server_setup(cls) -> ServerSetup:
        return ServerSetup(flags=("--body-timeout-ms", str(cls.body_timeout_ms)))

    @classmethod
    def not_applicable(cls, architecture: str) -> Optional[str]:
        if architecture == "nginx":
            return "the nginx reference serves / and /json only: no location reads a body"
        return None

    def next_piece(self, client: Client) -> tuple[bytes, float]:
        """All of it at once on connecting, then never again."""
        return (self.request if client.bytes_sent == 0 else b""), float("inf")


class DescriptorExhaustion(SocketFault):
    """2N idle connections against a server limited to N descriptors, held, then released."""

    name = "descriptor_exhaustion"
    summary = ("the server runs under prlimit --nofile=128:128; 256 idle connections are held "
               "for the window, then closed")
    length_s = 2.0
    server_nofile: ClassVar[int] = 128

    @classmethod
    def hog_count(cls) -> int:
        return 2 * cls.server_nofile

    @classmethod
    def server_setup(cls) -> ServerSetup:
        # nginx sets its workers' limit itself (worker_rlimit_nofile = 2 x worker_connections),
        # and as root it may raise it past prlimit's: give it the same N per process.
        limit = cls.server_nofile
        return ServerSetup(command_prefix=("prlimit", f"--nofile={limit}:{limit}", "--"),
                           nginx=(("worker_connections", limit // 2),))

    def inject(self, deadline: float) -> None:
        raise_open_file_limit(self.hog_count() + 1024)
        self.pool.open(self.hog_count())
        # Hold them; one the server closes is closed here too (no lingering on our account).
        while not self.stopped() and time.monotonic() < deadline:
            for client, change in self.pool.poll(min(0.1, deadline - time.monotonic())):
                if change == "closed":
                    self.pool.close(client)
        clients = self.pool.all_clients()
        self.result.update(
            server_nofile=self.server_nofile, idle_connections=self.hog_count(),
            connected=sum(1 for c in clients if c.connected),
            never_connected=(sum(1 for c in clients if not c.connected)
                             + self.pool.failed_to_start),
            closed_by_server=sum(1 for c in clients if c.ended),
            answered=sum(1 for c in clients if c.bytes_read > 0),
            accept_queue_at_end=accept_queue_length(self.target.port),
            server_most_fds=most_open_descriptors(self.target.proc, self.target.root_pid))
        self.pool.close_all()
        self.ended_at = time.monotonic()
