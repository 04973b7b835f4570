"""HTTP/1.1 with independent clients from Debian: curl, Node's http (llhttp), h2load, ab, wrk.

Each class is one peer and starts its own server (--protocol http), so a peer that crashes the
server is named by the failing class. The architecture comes from the target's arguments
(peer_support.configuration()); with --concurrency=1 (iterative, one connection at a time) the
load peers use one connection, since a second would wait behind the first forever.
"""
from __future__ import annotations

import email.utils
import hashlib
import json
import os
import re
import time
import unittest

from harness.tests import junit
from tests.peers import peer_support
from tests.peers.peer_support import describe, run, tool

HELLO = b"Hello World"
JSON_BODY = {"message": "Hello, World!"}
ECHO_SIZE = 100 * 1024


def parse_http_head(raw: bytes) -> tuple[str, dict[str, str]]:
    """The status line and the headers (lower-case names) of one response head."""
    lines = raw.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return lines[0], headers


class CurlTest(peer_support.ServerTestCase):
    """curl 7.88: routes, headers, request bodies both ways, HTTP/1.0, Connection: close."""

    def curl(self, *args: str, path: str = "/") -> tuple[str, dict[str, str], bytes, str]:
        """Runs curl on `path`; returns the status line, headers, body and curl's -v trace."""
        work = peer_support.scratch_dir()
        head, body = os.path.join(work, "head"), os.path.join(work, "body")
        result = run([tool("curl"), "-sS", "-v", "--max-time", "10", "-D", head, "-o", body,
                      *args, self.server.url(path)], timeout=20)
        self.assertEqual(result.returncode, 0, describe(result))
        with open(head, "rb") as f:
            heads = [h for h in f.read().split(b"\r\n\r\n") if h]
        with open(body, "rb") as f:
            content = f.read()
        # An interim 100 Continue comes first when curl sent Expect: the final head is last.
        status, headers = parse_http_head(heads[-1])
        return status, headers, content, result.stderr.decode(errors="replace")

    def assert_standard_headers(self, headers: dict[str, str], body: bytes) -> None:
        self.assertEqual(headers.get("server"), f"archbench/{self.config.arch}", headers)
        self.assertIn("content-type", headers)
        self.assertEqual(headers.get("content-length"), str(len(body)), headers)
        self.assertIn("date", headers)
        date = email.utils.parsedate_to_datetime(headers["date"])
        self.assertTrue(headers["date"].endswith(" GMT"), headers["date"])
        # Within a day of this machine's clock: it is the current date, not a constant.
        self.assertLess(abs(date.timestamp() - time.time()), 86400, headers["date"])

    def test_get_root(self) -> None:
        status, headers, body, _ = self.curl()
        self.assertEqual(status, "HTTP/1.1 200 OK")
        self.assertEqual(body, HELLO)
        self.assert_standard_headers(headers, body)
        self.assertTrue(headers["content-type"].startswith("text/plain"), headers)

    def test_get_json(self) -> None:
        status, headers, body, _ = self.curl(path="/json")
        self.assertEqual(status, "HTTP/1.1 200 OK")
        self.assertEqual(json.loads(body), JSON_BODY)
        self.assert_standard_headers(headers, body)
        self.assertTrue(headers["content-type"].startswith("application/json"), headers)

    def _post_echo(self, *extra: str) -> None:
        payload = os.urandom(ECHO_SIZE)
        path = os.path.join(peer_support.scratch_dir(), "payload")
        with open(path, "wb") as f:
            f.write(payload)
        status, headers, body, trace = self.curl(
            "--data-binary", f"@{path}", "-H", "Content-Type: application/octet-stream", *extra,
            path="/echo")
        self.assertEqual(status, "HTTP/1.1 200 OK", trace)
        self.assertEqual(len(body), ECHO_SIZE)
        self.assertEqual(hashlib.sha256(body).hexdigest(), hashlib.sha256(payload).hexdigest())
        self.assert_standard_headers(headers, body)

    def test_post_echo_content_length(self) -> None:
        self._post_echo()

    def test_post_echo_chunked(self) -> None:
        self._post_echo("-H", "Transfer-Encoding: chunked")

    def test_post_echo_expect_100_continue(self) -> None:
        # curl waits for "100 Continue" (up to a second) before it sends the body.
        self._post_echo("-H", "Expect: 100-continue")

    def test_http10_answered_then_closed(self) -> None:
        status, headers, body, trace = self.curl("--http1.0")
        self.assertRegex(status, r"^HTTP/1\.[01] 200 ")
        self.assertEqual(body, HELLO)
        self.assert_standard_headers(headers, body)
        self.assertIn("Closing connection", trace)
        self.assertNotIn("left intact", trace)

    def test_connection_close(self) -> None:
        status, headers, body, trace = self.curl("-H", "Connection: close", path="/json")
        self.assertEqual(status, "HTTP/1.1 200 OK")
        self.assertEqual(json.loads(body), JSON_BODY)
        self.assertEqual(headers.get("connection", "").lower(), "close", headers)
        self.assertIn("Closing connection", trace)

    def test_keep_alive_reuses_connection(self) -> None:
        # Two URLs in one curl run: the second request goes over the first's connection.
        result = run([tool("curl"), "-sS", "-v", "--max-time", "10", self.server.url("/"),
                      self.server.url("/json")], timeout=20)
        self.assertEqual(result.returncode, 0, describe(result))
        self.assertEqual(result.stdout, HELLO + json.dumps(JSON_BODY, separators=(",", ":"))
                         .encode())
        self.assertIn("Re-using existing connection", result.stderr.decode(), describe(result))

    def test_inspect_query_and_cookies(self) -> None:
        _, _, body, _ = self.curl("-b", "flavour=oat; size=2", "-H", "X-Peer: curl",
                                  path="/inspect?peer=curl&n=7")
        seen = json.loads(body)
        self.assertEqual(seen["method"], "GET")
        self.assertEqual(seen["path"], "/inspect")
        self.assertEqual(seen["query"], {"peer": "curl", "n": "7"})
        self.assertEqual(seen["cookies"], {"flavour": "oat", "size": "2"})
        self.assertEqual(seen["headers"].get("x-peer"), "curl")

    def test_bytes(self) -> None:
        status, headers, body, _ = self.curl(path="/bytes?n=65537")
        self.assertEqual(status, "HTTP/1.1 200 OK")
        self.assertEqual(len(body), 65537)
        self.assert_standard_headers(headers, body)

    def test_not_found(self) -> None:
        status, headers, body, _ = self.curl(path="/no/such/route")
        self.assertRegex(status, r"^HTTP/1\.1 404 ")
        self.assert_standard_headers(headers, body)


class NodeHttpTest(peer_support.ServerTestCase):
    """Node's http module: llhttp refuses any malformed response, so passing means valid framing."""

    NODE_ENV = {"NODE_PATH": "/usr/share/nodejs"}

    def node(self, script: str) -> list[dict]:
        result = run([tool("node"), peer_support.runfile(f"tests/peers/node/{script}"),
                      str(self.server.port)], timeout=40, env=self.NODE_ENV)
        self.assertEqual(result.returncode, 0, describe(result))
        return json.loads(result.stdout)

    def test_keep_alive_agent_sequence(self) -> None:
        replies = self.node("http_keepalive_client.js")
        self.assertEqual([(r["method"], r["path"], r["status"]) for r in replies], [
            ("GET", "/", 200), ("GET", "/json", 200), ("POST", "/echo", 200),
            ("POST", "/echo", 200), ("GET", "/inspect?peer=node&n=42", 200),
            ("GET", "/no/such/route", 404), ("GET", "/", 200)])
        for reply in replies:
            headers = reply["headers"]
            self.assertEqual(headers.get("server"), f"archbench/{self.config.arch}", reply)
            self.assertIn("date", headers, reply)
            self.assertIn("content-type", headers, reply)
            self.assertEqual(headers.get("content-length"), str(reply["bodyLength"]), reply)
        # One connection for all seven: every request after the first reused it.
        self.assertFalse(replies[0]["reusedSocket"])
        self.assertTrue(all(r["reusedSocket"] for r in replies[1:]), replies)
        self.assertEqual(len({r["localPort"] for r in replies}), 1, replies)
        self.assertEqual(replies[0]["body"], "Hello World")
        self.assertEqual(json.loads(replies[1]["body"]), JSON_BODY)
        for echo in replies[2:4]:
            self.assertEqual(echo["bodyLength"], ECHO_SIZE)
            self.assertEqual(echo["bodySha256"], echo["sentSha256"])
        seen = json.loads(replies[4]["body"])
        self.assertEqual(seen["query"], {"peer": "node", "n": "42"})
        self.assertEqual(seen["cookies"], {"flavour": "oat", "size": "2"})
        self.assertEqual(seen["headers"].get("x-peer"), "node-http")
        self.assertEqual(replies[6]["body"], "Hello World")

    def test_pipelined_burst_of_16(self) -> None:
        replies = self.node("pipelined_burst.js")
        self.assertEqual(len(replies), 16, replies)
        for i, reply in enumerate(replies):
            self.assertEqual(reply["status"], 200, (i, reply))
            kind = i % 4
            if kind == 0:
                self.assertEqual(reply["body"], "Hello World", i)
            elif kind == 1:
                self.assertEqual(reply["bodyLength"], i * 100, i)
            elif kind == 2:
                self.assertEqual(json.loads(reply["body"])["query"], {"i": str(i)}, i)
            else:
                self.assertEqual(reply["body"], f"pipelined body {i}", i)
        self.assertTrue(all(r["keepAlive"] for r in replies[:-1]), replies)
        self.assertFalse(replies[-1]["keepAlive"], "the last request said Connection: close")


class H2loadTest(peer_support.ServerTestCase):
    """h2load --h1 -m 8: eight requests in flight per connection (pipelining)."""

    def test_pipelined_2000_requests(self) -> None:
        clients = min(4, self.config.concurrency)
        result = run([tool("h2load"), "--h1", "-m", "8", "-n", "2000", "-c", str(clients),
                      "-T", "10", "-N", "10", self.server.url("/")], timeout=60)
        text = result.stdout.decode(errors="replace")
        self.assertEqual(result.returncode, 0, describe(result))
        counts = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                           r"(\d+) failed, (\d+) errored, (\d+) timeout", text)
        self.assertIsNotNone(counts, describe(result))
        total, _, done, succeeded, failed, errored, timeouts = map(int, counts.groups())
        self.assertEqual((total, done, succeeded, failed, errored, timeouts),
                         (2000, 2000, 2000, 0, 0, 0), describe(result))
        self.assertIn("status codes: 2000 2xx, 0 3xx, 0 4xx, 0 5xx", text, describe(result))


class AbTest(peer_support.ServerTestCase):
    """ApacheBench -k: HTTP/1.0 requests with `Connection: Keep-Alive`."""

    def test_keep_alive_2000_requests(self) -> None:
        clients = min(8, self.config.concurrency)
        result = run([tool("ab"), "-k", "-n", "2000", "-c", str(clients), "-s", "10",
                      self.server.url("/")], timeout=60)
        text = result.stdout.decode(errors="replace")
        self.assertEqual(result.returncode, 0, describe(result))

        def field(name: str) -> int:
            found = re.search(rf"^{name}:\s+(\d+)", text, re.MULTILINE)
            self.assertIsNotNone(found, f"no '{name}' line\n{describe(result)}")
            return int(found.group(1))

        self.assertEqual(field("Complete requests"), 2000, describe(result))
        self.assertEqual(field("Failed requests"), 0, describe(result))
        self.assertNotIn("Non-2xx responses", text, describe(result))
        # Every reply to an HTTP/1.0 keep-alive request kept the connection open.
        self.assertEqual(field("Keep-Alive requests"), 2000, describe(result))
        self.assertEqual(field("Document Length"), len(HELLO), describe(result))


    def test_connection_per_request_500(self) -> None:
        # Without -k ab speaks plain HTTP/1.0: the server closes after every answer, which is
        # how ab learns the body ended (Stevens' connection-per-request workload).
        clients = min(8, self.config.concurrency)
        result = run([tool("ab"), "-n", "500", "-c", str(clients), "-s", "10",
                      self.server.url("/json")], timeout=60)
        text = result.stdout.decode(errors="replace")
        self.assertEqual(result.returncode, 0, describe(result))
        self.assertRegex(text, r"Complete requests:\s+500\n", describe(result))
        self.assertRegex(text, r"Failed requests:\s+0\n", describe(result))
        self.assertNotIn("Non-2xx responses", text, describe(result))


class WrkTest(peer_support.ServerTestCase):
    """wrk for 2 s with a Lua script that pipelines eight requests over four routes."""

    def test_pipelined_load_without_errors(self) -> None:
        clients = min(4, self.config.concurrency)
        result = run([tool("wrk"), "-t1", f"-c{clients}", "-d2s", "--timeout", "5s", "-s",
                      peer_support.runfile("tests/peers/wrk/pipeline.lua"),
                      self.server.url("/")], timeout=30)
        text = result.stdout.decode(errors="replace")
        self.assertEqual(result.returncode, 0, describe(result))
        done = re.search(r"^\s*(\d+) requests in ", text, re.MULTILINE)
        self.assertIsNotNone(done, describe(result))
        self.assertGreater(int(done.group(1)), 0, describe(result))
        # wrk prints these lines only when the count is not zero.
        errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                           r"timeout (\d+)", text)
        self.assertIsNone(errors, describe(result))
        self.assertNotIn("Non-2xx or 3xx responses", text, describe(result))


if __name__ == "__main__":
    peer_support.configuration()
    junit.main()
