"""Holding thousands of idle connections from the harness itself (the c10k scenario).

The load client drives the 100 *active* connections; the 10,000 idle ones are plain
non-blocking sockets here, opened in batches (a burst of 10,000 SYNs overflows the listen
backlog and turns into one-second SYN retries), then left alone while the load runs. Afterwards
each one is asked once whether the server still serves it: for `echo`, one byte must come back
(a connection sitting in the backlog of a server that never accepts it connects at TCP level but
never answers, which is exactly what distinguishes iterative from epoll).

Every loop has a deadline; sockets are closed in close() whatever happened.

Thread-safety: an IdleConnections object belongs to the thread that opened it.
"""
from __future__ import annotations

import errno
import resource
import selectors
import socket
import time
from dataclasses import dataclass, field

BATCH = 500
PROBES = {"echo": (b"x", b"x"), "eof": (b"x\r\n", b"x\r\n")}


def raise_open_file_limit(wanted: int) -> int:
    """Raises the soft RLIMIT_NOFILE toward `wanted` (up to the hard limit); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(max(soft, wanted), hard) if hard != resource.RLIM_INFINITY else max(soft, wanted)
    if target != soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


@dataclass
class IdleConnections:
    """`count` idle TCP connections to host:port."""

    host: str
    port: int
    count: int
    deadline_s: float = 30.0
    sockets: list[socket.socket] = field(default_factory=list)
    failed: int = 0

    def open(self) -> int:
        """Connects up to `count` sockets within deadline_s; returns how many connected."""
        raise_open_file_limit(self.count + 1024)
        deadline = time.monotonic() + self.deadline_s
        remaining = self.count
        while remaining > 0 and time.monotonic() < deadline:
            batch = min(BATCH, remaining)
            remaining -= batch
            self._open_batch(batch, deadline)
        self.failed += max(0, remaining)
        return len(self.sockets)

    def _open_batch(self, batch: int, deadline: float) -> None:
        selector = selectors.DefaultSelector()
        pending: set[socket.socket] = set()
        for _ in range(batch):
            try:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            except OSError:
                self.failed += 1
                continue
            sock.setblocking(False)
            code = sock.connect_ex((self.host, self.port))
            if code in (0, errno.EINPROGRESS):
                selector.register(sock, selectors.EVENT_WRITE)
                pending.add(sock)
            else:
                sock.close()
                self.failed += 1
        batch_deadline = min(deadline, time.monotonic() + 10.0)
        while pending and time.monotonic() < batch_deadline:
            for key, _ in selector.select(timeout=max(0.0, batch_deadline - time.monotonic())):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                selector.unregister(sock)
                pending.discard(sock)
                if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                    self.sockets.append(sock)
                else:
                    sock.close()
                    self.failed += 1
        for sock in pending:
            selector.unregister(sock)
            sock.close()
            self.failed += 1
        selector.close()

    def still_open(self) -> int:
        """How many connections the server has not closed (peek without blocking)."""
        open_count = 0
        for sock in self.sockets:
            try:
                data = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
                open_count += 1 if data else 0
            except BlockingIOError:
                open_count += 1
            except OSError:
                pass
        return open_count

    def answered(self, protocol: str, timeout_s: float = 10.0) -> int:
        """Sends one probe message on every connection; counts correct answers in time."""
        probe = PROBES.get(protocol)
        if probe is None:
            return -1
        request, expected = probe
        selector = selectors.DefaultSelector()
        received: dict[socket.socket, bytes] = {}
        for sock in self.sockets:
            try:
                sock.send(request)
                selector.register(sock, selectors.EVENT_READ)
                received[sock] = b""
            except OSError:
                pass
        good = 0
        deadline = time.monotonic() + timeout_s
        while received and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=max(0.0, deadline - time.monotonic())):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    data = sock.recv(4096)
                except OSError:
                    data = b""
                if data:
                    received[sock] += data
                if not data or len(received[sock]) >= len(expected):
                    good += 1 if received[sock] == expected else 0
                    selector.unregister(sock)
                    del received[sock]
        selector.close()
        return good

    def close(self) -> None:
        for sock in self.sockets:
            sock.close()
        self.sockets.clear()
