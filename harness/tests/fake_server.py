"""A tiny stand-in server for the harness's own tests: the contract, or a chosen way to break it.

Usage: fake_server.py MODE --protocol P --host H --port 0 [anything else is ignored]
  ok          echo server; READY; exits 0 on SIGTERM
  forking     like ok, plus two child processes that exit when the parent does (a tree to sample)
  hang        never prints READY (sleeps)
  crash       exits 3 before READY
  refuse      exits 2 before READY (the contract's "bad flag")
  crash-late  prints READY, then exits 4 after 0.3 s
  no-stop     prints READY, ignores SIGTERM
  refuse-ws   answers any request with `HTTP/1.1 501` (the /broadcast refusal)

Every mode ends by itself within 60 s, so a broken test cannot leave it behind forever.
"""
from __future__ import annotations

import errno
import os
import selectors
import signal
import socket
import sys
import time

LIFETIME_S = 60.0


def serve(listener: socket.socket, mode: str, stop: list[bool]) -> None:
    selector = selectors.DefaultSelector()
    listener.setblocking(False)
    selector.register(listener, selectors.EVENT_READ)
    deadline = time.monotonic() + LIFETIME_S
    while not stop[0] and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=0.1):
            if key.fileobj is listener:
                try:
                    conn, _ = listener.accept()
                except BlockingIOError:
                    continue
                except OSError as error:
                    if error.errno not in (errno.EMFILE, errno.ENFILE):
                        raise
                    # Out of descriptors (the descriptor_exhaustion fault): pause accepting, as
                    # the real servers do, rather than dying and racing the harness's stop.
                    time.sleep(0.05)
                    continue
                conn.setblocking(False)
                selector.register(conn, selectors.EVENT_READ)
                continue
            conn = key.fileobj
            assert isinstance(conn, socket.socket)
            try:
                data = conn.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                selector.unregister(conn)
                conn.close()
                continue
            if mode == "refuse-ws":
                conn.sendall(b"HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\n\r\n")
            else:
                conn.sendall(data)


def main() -> int:
    mode = sys.argv[1]
    if mode == "hang":
        time.sleep(LIFETIME_S)
        return 0
    if mode == "crash":
        print("fake_server: crashing on purpose", file=sys.stderr)
        return 3
    if mode == "refuse":
        print("fake_server: --protocol timer: not served", file=sys.stderr)
        return 2
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    stop = [False]
    if mode == "no-stop":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    children = []
    if mode == "forking":
        for _ in range(2):
            pid = os.fork()
            if pid == 0:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                parent = os.getppid()
                end = time.monotonic() + LIFETIME_S
                while os.getppid() == parent and time.monotonic() < end:
                    time.sleep(0.05)
                os._exit(0)
            children.append(pid)
    print(f"READY 127.0.0.1 {listener.getsockname()[1]} {os.getpid()}", flush=True)
    if mode == "crash-late":
        time.sleep(0.3)
        return 4
    serve(listener, mode, stop)
    for pid in children:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
