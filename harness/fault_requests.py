"""Faults made of bad HTTP clients: a storm of malformed requests, and clients that hang up in
the middle of a large reply.

- `malformed_storm`: waves of 50 connections at once, each sending one malformed request (a
  different kind per connection, round robin over MALFORMED), a wave every 100 ms (or when the
  last one is done, if it took longer) for the window, so every server that keeps up gets the
  same storm (1,000 requests in 2 s), and the client's ports do not run out. Each answer is
  counted by status; `unexpected` counts answers other than the contract's (CONFORMANCE.md) and
  no answer at all. The good load going on, and the server still running afterwards, say that
  none of them crashed it.
- `disconnect_mid_reply`: 4 clients at a time ask `GET /bytes?n=2097152` (2 MiB, the default
  body limit) and, after 64 KiB of the reply, hang up: every other one with a reset (SO_LINGER 0,
  RST at once), the others with a close (FIN; the kernel follows with RST because reply bytes
  are left unread). A client that is done is replaced at once until the window ends. Each
  client offers a 32 KiB receive window, so the server is most likely still writing when the
  client goes (loopback send buffers grow to 4 MiB and could otherwise take the whole reply).

Thread-safety: each fault belongs to its own thread (see fault_injection.Fault).
"""
from __future__ import annotations

import socket
import time
from typing import Any, ClassVar, Optional

from harness.fault_sockets import Client, SocketFault
from harness.idle_connections import raise_open_file_limit

HOST = b"Host: faults\r\n"
# (kind, request bytes, the contract's status). CONFORMANCE.md lists the expectations.
MALFORMED: tuple[tuple[str, bytes, int], ...] = (
    ("bad request line", b"GARBAGE\r\n\r\n", 400),
    ("oversized header", b"GET / HTTP/1.1\r\n" + HOST + b"X-Big: " + b"a" * 9000 + b"\r\n\r\n",
     431),
    ("bad Content-Length", b"POST /echo HTTP/1.1\r\n" + HOST + b"Content-Length: 4 2\r\n\r\n",
     400),
    ("missing Host", b"GET / HTTP/1.1\r\n\r\n", 400),
    ("unknown version", b"GET / HTTP/2.0\r\n" + HOST + b"\r\n", 505),
    ("unknown coding", b"POST /echo HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: pigeons\r\n\r\n",
     501),
    ("Content-Length with chunked", b"POST /echo HTTP/1.1\r\n" + HOST +
     b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("binary junk", bytes(range(1, 32)) * 4 + b"\r\n\r\n", 400),
)


class MalformedStorm(SocketFault):
    """Waves of connections with malformed requests; answers counted by status."""

    name = "malformed_storm"
    summary = ("waves of 50 connections at once, each with one malformed request (8 kinds), "
               "a wave every 100 ms for the window")
    length_s = 2.0
    wave_size: ClassVar[int] = 50
    wave_interval_s: ClassVar[float] = 0.1
    wave_timeout_s: ClassVar[float] = 1.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.by_status: dict[str, int] = {}
        self.by_kind: dict[str, dict[str, int]] = {kind: {} for kind, _, _ in MALFORMED}
        self.unexpected = 0
        self.sent = 0
        self.waves = 0

    def inject(self, deadline: float) -> None:
        raise_open_file_limit(self.wave_size + 1024)
        next_kind = 0
        next_wave = time.monotonic()
        while not self.stopped() and next_wave < deadline:
            if not self.wait_until(next_wave):
                break
            next_wave += self.wave_interval_s
            self.waves += 1
            for client in self.pool.open(self.wave_size):
                client.kind = MALFORMED[next_kind % len(MALFORMED)][0]
                next_kind += 1
            self._run_wave(min(deadline + self.wave_timeout_s,
                               time.monotonic() + self.wave_timeout_s))
            next_wave = max(next_wave, time.monotonic())
        self.result.update(waves=self.waves, requests=self.sent, answers=self.by_status,
                           by_kind=self.by_kind, unexpected=self.unexpected,
                           connect_failed=self.pool.connect_failed)
        self.ended_at = time.monotonic()

    def _run_wave(self, wave_end: float) -> None:
        requests = {kind: request for kind, request, _ in MALFORMED}
        while self.pool.open_clients() and not self.stopped():
            remaining = wave_end - time.monotonic()
            if remaining <= 0:
                break
            for client, change in self.pool.poll(min(0.1, remaining)):
                if change == "connected":
                    # Small requests: the empty send buffer takes them whole.
                    self.pool.send(client, requests[client.kind])
                    self.sent += 1
                elif change == "connect_failed":
                    self._count(client)
                elif change == "closed" or client.reply_head_complete():
                    # Answered: close, as a client would, so that a blocking server's lingering
                    # close (up to 500 ms waiting for our FIN) ends at once.
                    self._count(client)
                    self.pool.close(client)
        for client in list(self.pool.clients.values()):
            self._count(client)
            self.pool.close(client)

    def _count(self, client: Client) -> None:
        expected = next(status for kind, _, status in MALFORMED if kind == client.kind)
        status = client.status()
        if status is not None:
            outcome = str(status)
        elif not client.connected:
            outcome = "not connected"
        elif client.ended:
            outcome = "closed without reply" if client.ended == "eof" else "reset"
        else:
            outcome = "no answer in time"
        self.by_status[outcome] = self.by_status.get(outcome, 0) + 1
        kind_counts = self.by_kind[client.kind]
        kind_counts[outcome] = kind_counts.get(outcome, 0) + 1
        if status != expected:
            self.unexpected += 1


class DisconnectMidReply(SocketFault):
    """Clients that ask for a large reply and hang up partway, repeatedly."""

    name = "disconnect_mid_reply"
    summary = ("4 clients at a time ask GET /bytes?n=2097152 and hang up after 64 KiB (reset "
               "or close, alternately), replaced at once, for the window")
    length_s = 2.0
    concurrent: ClassVar[int] = 4
    receive_buffer: ClassVar[int] = 32 * 1024
    reply_bytes: ClassVar[int] = 2 * 1024 * 1024
    cut_after: ClassVar[int] = 64 * 1024
    client_timeout_s: ClassVar[float] = 1.0

    @classmethod
    def not_applicable(cls, architecture: str) -> Optional[str]:
        if architecture == "nginx":
            return "the nginx reference config serves no /bytes route"
        return None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counts = {"requests": 0, "reset": 0, "closed": 0, "server_closed_first": 0,
                       "no_reply_in_time": 0, "bytes_read": 0}
        self._cut_with_reset = True

    def inject(self, deadline: float) -> None:
        request = (f"GET /bytes?n={self.reply_bytes} HTTP/1.1\r\n".encode() + HOST + b"\r\n")
        while not self.stopped():
            now = time.monotonic()
            if now >= deadline:
                break
            self.pool.open(self.concurrent - len(self.pool.clients),
                           receive_buffer=self.receive_buffer)
            for client, change in self.pool.poll(min(0.05, deadline - now)):
                if change == "connected":
                    self.pool.send(client, request)
                    self.counts["requests"] += 1
                elif change == "closed":
                    self._finish(client, "server_closed_first")
                elif client.bytes_read >= self.cut_after:
                    self._finish(client, "reset" if self._cut_with_reset else "closed")
                    self._cut_with_reset = not self._cut_with_reset
            stale = time.monotonic() - self.client_timeout_s
            for client in list(self.pool.clients.values()):
                if client.opened_at < stale:
                    self._finish(client, "no_reply_in_time")
        self.counts["connect_failed"] = self.pool.connect_failed
        self.result.update(self.counts)
        self.pool.close_all()
        self.ended_at = time.monotonic()

    def _finish(self, client: Client, how: str) -> None:
        self.counts[how] += 1
        self.counts["bytes_read"] += client.bytes_read
        if how == "closed" and not client.ended:
            try:
                client.sock.shutdown(socket.SHUT_WR)  # FIN first, then close()
            except OSError:
                pass
        self.pool.close(client, reset=(how == "reset"))
