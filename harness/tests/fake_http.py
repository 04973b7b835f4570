"""A tiny in-process HTTP-ish server for the fault injectors' tests (a thread per connection).

Modes:
  header-timeout  answers a complete request head with 200; a head still incomplete
                  `header_timeout_s` after its first byte gets 408 and a close (the servers'
                  --header-timeout-ms); a connection that sends nothing is held
  body-timeout    reads a head announcing Content-Length, then its body; a body byte that
                  does not come within `header_timeout_s` of the last one gets 408 and a close
                  (the servers' --body-timeout-ms); a complete body gets 200
  always-400      reads a head (or 1 s of bytes) and answers 400, then closes
  400-linger      the same, but closes like the servers' lingering close: shutdown(SHUT_WR),
                  then waits (up to 5 s) for the client's EOF, counted in `peer_closed`
  bytes           answers every request with `body_bytes` of body, written in 16 KiB pieces;
                  counts the writes that failed because the client went away
  no-accept       listens (backlog 128) and never accepts

Every wait is bounded (a 10 s lifetime per connection thread); stop() closes everything.

Thread-safety: start() and stop() from the test's thread; counters are updated under a lock.
"""
from __future__ import annotations

import socket
import threading
import time
from typing import Optional

LIFETIME_S = 10.0


class FakeHttpServer:
    def __init__(self, mode: str, header_timeout_s: float = 0.5,
                 body_bytes: int = 2 * 1024 * 1024) -> None:
        self.mode = mode
        self.header_timeout_s = header_timeout_s
        self.body_bytes = body_bytes
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = int(self.listener.getsockname()[1])
        self.accepted = 0
        self.write_failures = 0
        self.peer_closed = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._acceptor: Optional[threading.Thread] = None

    def start(self) -> "FakeHttpServer":
        if self.mode != "no-accept":
            self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
            self._acceptor.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.listener.close()
        for thread in [self._acceptor, *self._threads]:
            if thread is not None:
                thread.join(timeout=2)

    def _accept_loop(self) -> None:
        self.listener.settimeout(0.05)
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self.accepted += 1
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(0.05)
            try:
                if self.mode == "header-timeout":
                    self._serve_header_timeout(conn)
                elif self.mode == "body-timeout":
                    self._serve_body_timeout(conn)
                elif self.mode in ("always-400", "400-linger"):
                    self._read_head(conn, time.monotonic() + 1.0)
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                                 b"Connection: close\r\n\r\n")
                    if self.mode == "400-linger":
                        self._linger(conn)
                elif self.mode == "bytes":
                    self._serve_bytes(conn)
            except OSError:
                pass

    def _read_head(self, conn: socket.socket, deadline: float,
                   from_first_byte_s: Optional[float] = None) -> Optional[bytes]:
        """Reads until a blank line. None when `deadline` (moved to first byte +
        from_first_byte_s when given), the lifetime or stop() comes first; b"" on EOF."""
        head = b""
        end = time.monotonic() + LIFETIME_S
        while b"\r\n\r\n" not in head and len(head) < 65536:
            if self._stop.is_set() or time.monotonic() >= min(end, deadline):
                return None
            try:
                chunk = conn.recv(4096)
            except socket.timeout:
                continue
            if not chunk:
                return b""
            if not head and from_first_byte_s is not None:
                deadline = time.monotonic() + from_first_byte_s
            head += chunk
        return head

    def _serve_header_timeout(self, conn: socket.socket) -> None:
        head = self._read_head(conn, float("inf"), from_first_byte_s=self.header_timeout_s)
        if head is None and not self._stop.is_set():
            conn.sendall(b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n")
        elif head:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    def _serve_body_timeout(self, conn: socket.socket) -> None:
        head = self._read_head(conn, time.monotonic() + 1.0)
        if not head:
            return
        header, _, body = head.partition(b"\r\n\r\n")
        length = 0
        for line in header.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        end = time.monotonic() + LIFETIME_S
        quiet_until = time.monotonic() + self.header_timeout_s
        while len(body) < length:
            if self._stop.is_set() or time.monotonic() >= end:
                return
            if time.monotonic() >= quiet_until:
                conn.sendall(b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n"
                             b"Connection: close\r\n\r\n")
                return
            try:
                chunk = conn.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                return
            body += chunk
            quiet_until = time.monotonic() + self.header_timeout_s
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    def _linger(self, conn: socket.socket) -> None:
        conn.shutdown(socket.SHUT_WR)
        end = time.monotonic() + 5.0
        while time.monotonic() < end and not self._stop.is_set():
            try:
                if not conn.recv(4096):
                    with self._lock:
                        self.peer_closed += 1
                    return
            except socket.timeout:
                continue

    def _serve_bytes(self, conn: socket.socket) -> None:
        if not self._read_head(conn, time.monotonic() + 1.0):
            return
        conn.settimeout(2.0)
        conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {self.body_bytes}\r\n\r\n".encode())
        piece = b"a" * 16384
        try:
            for _ in range(self.body_bytes // len(piece)):
                conn.sendall(piece)
        except (ConnectionResetError, BrokenPipeError):
            with self._lock:
                self.write_failures += 1
