"""WebSocket (RFC 6455) with independent clients: python3-websockets 10.4 and node-ws.

python3-websockets is strict: it checks the handshake's Sec-WebSocket-Accept, refuses masked or
malformed server frames, matches each pong to its ping and completes the close handshake. It
offers permessage-deflate, which the server must decline (DESIGN.md: no compression).

WebSocketModeTest runs against --protocol websocket (handshake on any path); HttpUpgradeTest
against --protocol http, where an upgrade request on any path switches that connection. Both
check /broadcast: two clients see each other's messages where the architecture shares
connections (--broadcast), else the handshake is refused with 501 and a reason in the body.
"""
from __future__ import annotations

import asyncio
import json
import socket
import time
from typing import Any, Awaitable, Callable

import websockets
from websockets.exceptions import InvalidStatusCode

from harness.tests import junit
from tests.peers import peer_support
from tests.peers.peer_support import describe, run, tool

# Message sizes at the edges of the three payload-length encodings (7 bit, 16 bit, 64 bit).
ECHO_SIZES = (0, 125, 126, 65535, 65536, 1 << 20)
RECEIVE_TIMEOUT = 10.0


def text_of_size(size: int) -> str:
    """Text whose UTF-8 encoding is exactly `size` bytes, with 2-, 3- and 4-byte characters."""
    pattern = "a\u00e9\u20ac\U0001F600"  # 1 + 2 + 3 + 4 bytes
    text = pattern * (size // 10) + "x" * (size % 10)
    assert len(text.encode()) == size
    return text


def binary_of_size(size: int) -> bytes:
    return bytes((i * 31 + 7) & 0xFF for i in range(size))


def run_async(make: Callable[[], Awaitable[Any]], timeout: float = 30.0) -> Any:
    """Runs one coroutine to completion on a fresh event loop, bounded by `timeout`."""
    return asyncio.run(asyncio.wait_for(make(), timeout))


def connect(url: str) -> Any:
    # No keepalive pings from the client (they would interleave with what is asserted);
    # max_size above the largest echo (1 MiB) so the client does not refuse it.
    return websockets.connect(url, open_timeout=10, close_timeout=5, ping_interval=None,
                              max_size=4 << 20)


async def receive(ws: Any) -> Any:
    return await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT)


class WebSocketChecks:
    """The cases both modes share (a mixin, so it is not collected on its own); PATH is where
    the echo connections go. Used with peer_support.ServerTestCase."""

    PATH = "/"
    server: peer_support.Server
    config: peer_support.Configuration

    def assert_echo(self, message: Any) -> None:
        async def exchange() -> tuple[Any, int]:
            async with connect(self.server.ws_url(self.PATH)) as ws:
                await ws.send(message)
                reply = await receive(ws)
                await ws.close(1000)
                return reply, ws.close_code
        reply, close_code = run_async(exchange)
        self.assertEqual(type(reply), type(message))
        self.assertEqual(len(reply), len(message))
        self.assertTrue(reply == message, "echo differs from what was sent")
        self.assertEqual(close_code, 1000)

    def test_no_extension_negotiated(self) -> None:
        # The client offers permessage-deflate; the server must not accept it.
        async def handshake() -> Any:
            async with connect(self.server.ws_url(self.PATH)) as ws:
                extensions = list(ws.extensions)
                await ws.close()
                return extensions, ws.response_headers
        extensions, headers = run_async(handshake)
        self.assertEqual(extensions, [])
        self.assertNotIn("Sec-WebSocket-Extensions", headers)

    def test_ping_answered_with_pong(self) -> None:
        async def ping() -> float:
            async with connect(self.server.ws_url(self.PATH)) as ws:
                # websockets completes the waiter only for a pong carrying this payload.
                waiter = await ws.ping(b"archbench ping \x00\xff")
                latency = await asyncio.wait_for(waiter, RECEIVE_TIMEOUT)
                empty = await ws.ping(b"")
                await asyncio.wait_for(empty, RECEIVE_TIMEOUT)
                await ws.send("after the pings")
                self.assertEqual(await receive(ws), "after the pings")
                await ws.close()
                return latency
        run_async(ping)

    def test_fragmented_message_reassembled(self) -> None:
        async def fragments() -> Any:
            async with connect(self.server.ws_url(self.PATH)) as ws:
                # An iterable is sent as one message in several frames (FIN only on the last).
                await ws.send(["first fragment, ", "zw\u00f6lf ", "\u20ac" * 1000])
                reply = await receive(ws)
                await ws.close()
                return reply
        self.assertEqual(run_async(fragments), "first fragment, zw\u00f6lf " + "\u20ac" * 1000)

    def test_many_messages_in_order(self) -> None:
        async def burst() -> list:
            async with connect(self.server.ws_url(self.PATH)) as ws:
                for i in range(200):
                    await ws.send(f"message {i}" if i % 2 else f"message {i}".encode())
                replies = [await receive(ws) for _ in range(200)]
                await ws.close()
                return replies
        self.assertEqual(run_async(burst),
                         [f"message {i}" if i % 2 else f"message {i}".encode()
                          for i in range(200)])

    def _close_with(self, code: int) -> tuple[int, str]:
        async def close() -> tuple[int, str]:
            async with connect(self.server.ws_url(self.PATH)) as ws:
                await ws.send("before closing")
                self.assertEqual(await receive(ws), "before closing")
                await ws.close(code, "closing now")
                return ws.close_code, ws.close_reason
        return run_async(close)

    def test_close_1000_echoed(self) -> None:
        code, _ = self._close_with(1000)
        self.assertEqual(code, 1000)

    def test_close_4001_echoed(self) -> None:
        code, _ = self._close_with(4001)
        self.assertEqual(code, 4001, "the server's close frame should echo the client's code")

    def test_oversized_message_closed_1009(self) -> None:
        # One byte over --package-max-length (default 2 MiB): the server fails the connection
        # with 1009 "message too big" instead of echoing or hanging.
        async def oversized() -> tuple[int, bool]:
            async with connect(self.server.ws_url(self.PATH)) as ws:
                await ws.send(b"\x00" * ((2 << 20) + 1))
                echoed = False
                try:
                    await receive(ws)
                    echoed = True
                except websockets.exceptions.ConnectionClosed:
                    pass
                return ws.close_code, echoed
        code, echoed = run_async(oversized)
        self.assertFalse(echoed, "a message over the limit was echoed")
        self.assertEqual(code, 1009)

    def test_node_ws_echo_and_close(self) -> None:
        result = run([tool("node"), peer_support.runfile("tests/peers/node/ws_client.js"),
                      self.server.ws_url(self.PATH)], timeout=40,
                     env={"NODE_PATH": "/usr/share/nodejs"})
        self.assertEqual(result.returncode, 0, describe(result))
        report = json.loads(result.stdout)
        self.assertTrue(report["textMatches"], report)
        self.assertTrue(report["binaryIsBinary"], report)
        self.assertEqual(report["binaryLength"], 70000, report)
        self.assertTrue(report["binaryMatches"], report)
        self.assertEqual(report["closeCode"], 1000, report)
        self.assertEqual(report["completedStep"], "close", report)
        self.assertEqual(report["protocolExtensions"], "", report)

    def test_broadcast(self) -> None:
        if self.config.broadcast:
            self._broadcast_between_two_clients()
        else:
            self._broadcast_refused()

    def _broadcast_between_two_clients(self) -> None:
        async def chat() -> None:
            url = self.server.ws_url("/broadcast")
            async with connect(url) as a:
                async with connect(url) as b:
                    # b speaks first: once a hears it, both are in the group, with no sleep.
                    await b.send("hello from b")
                    self.assertEqual(await receive(a), "hello from b", "b's message at a")
                    self.assertEqual(await receive(b), "hello from b", "b's message back to b")
                    await a.send(b"binary from a")
                    self.assertEqual(await receive(b), b"binary from a", "a's message at b")
                    self.assertEqual(await receive(a), b"binary from a", "a's message back")
                    await b.close()
                    self.assertEqual(b.close_code, 1000)
                await a.send("after b left")
                self.assertEqual(await receive(a), "after b left")
                await a.close()
                self.assertEqual(a.close_code, 1000)
        run_async(chat)

    def _broadcast_refused(self) -> None:
        async def refused() -> int:
            try:
                async with connect(self.server.ws_url("/broadcast")):
                    return 101
            except InvalidStatusCode as error:
                return error.status_code
        self.assertEqual(run_async(refused), 501, "websockets' handshake on /broadcast")
        # websockets does not expose the body: read the refusal with a plain socket.
        request = (b"GET /broadcast HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                   b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   b"Sec-WebSocket-Version: 13\r\n\r\n")
        reply = b""
        with socket.create_connection((self.server.host, self.server.port), timeout=10) as s:
            s.sendall(request)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                chunk = s.recv(65536)
                if not chunk:
                    break  # the server closes after the refusal
                reply += chunk
            else:
                self.fail(f"connection still open 10 s after the 501: {reply!r}")
        head, _, body = reply.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 501 "), reply)
        reason = body.decode()
        self.assertGreaterEqual(len(reason.strip()), 10, f"501 without a reason: {reply!r}")
        self.assertIn("connection", reason, f"the reason should say why: {reason!r}")


class WebSocketModeTest(WebSocketChecks, peer_support.ServerTestCase):
    """--protocol websocket: every path is a WebSocket endpoint."""

    PROTOCOL = "websocket"
    PATH = "/"


def _add_echo_cases() -> None:
    # One JUnit case per (kind, size), so a failure names the size.
    for size in ECHO_SIZES:
        def text_case(self: WebSocketChecks, size: int = size) -> None:
            self.assert_echo(text_of_size(size))

        def binary_case(self: WebSocketChecks, size: int = size) -> None:
            self.assert_echo(binary_of_size(size))

        setattr(WebSocketModeTest, f"test_text_echo_{size}_bytes", text_case)
        setattr(WebSocketModeTest, f"test_binary_echo_{size}_bytes", binary_case)


_add_echo_cases()


class HttpUpgradeTest(WebSocketChecks, peer_support.ServerTestCase):
    """--protocol http: an upgrade request on any path switches the connection."""

    PROTOCOL = "http"
    PATH = "/any/path?x=1"

    def test_upgrade_on_several_paths(self) -> None:
        for path in ("/", "/ws", "/json", "/deep/er/path?q=1&r=2"):
            async def echo(path: str = path) -> Any:
                async with connect(self.server.ws_url(path)) as ws:
                    await ws.send(f"upgraded at {path}")
                    reply = await receive(ws)
                    await ws.close()
                    return reply
            self.assertEqual(run_async(echo), f"upgraded at {path}", path)

    def test_large_echo_after_upgrade(self) -> None:
        self.assert_echo(binary_of_size(1 << 20))
        self.assert_echo(text_of_size(65536))


if __name__ == "__main__":
    peer_support.configuration()
    junit.main()
