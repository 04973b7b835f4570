"""The socket-level fault injectors against tiny in-process servers (fake_http.py): slowloris
(408s from a server with a header timeout, nothing from one that never accepts), descriptor
exhaustion, malformed storms and disconnects mid-reply; and that each one stays inside its
window and closes every socket it opened, also when the run ends early or nobody listens."""
from __future__ import annotations

import os
import shutil
import socket
import time
import unittest
from typing import Any

from harness.fault_injection import Fault, FaultTarget, FaultWindow
from harness.fault_requests import MALFORMED, DisconnectMidReply, MalformedStorm
from harness.fault_sockets import DescriptorExhaustion, SlowBody, Slowloris, parse_listen_queues
from harness.tests import junit
from harness.tests.fake_http import FakeHttpServer


class SmallSlowloris(Slowloris):
    connections = 20
    byte_interval_s = 0.1


class SmallSlowBody(SlowBody):
    connections = 20


class SmallExhaustion(DescriptorExhaustion):
    server_nofile = 8


class SmallStorm(MalformedStorm):
    wave_size = 8
    wave_timeout_s = 0.3


class SmallDisconnect(DisconnectMidReply):
    concurrent = 2


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def run_window(kind: type[Fault], port: int, length_s: float) -> tuple[dict[str, Any], Fault]:
    """Runs `kind` at once for length_s against 127.0.0.1:port; waits (bounded) for its end."""
    fault = kind(FaultTarget("127.0.0.1", port, os.getpid(), "event_loop"),
                 FaultWindow(0.0, length_s))
    fault.start(time.monotonic())
    deadline = time.monotonic() + length_s + 10
    while not fault.finished() and time.monotonic() < deadline:
        time.sleep(0.02)
    return fault.join(), fault


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class InjectorTestCase(unittest.TestCase):
    """Checks after every test that the injector left no socket open in this process."""

    def setUp(self) -> None:
        self.servers: list[FakeHttpServer] = []
        self.descriptors_before = open_descriptors()

    def server(self, mode: str, **options: Any) -> FakeHttpServer:
        server = FakeHttpServer(mode, **options).start()
        self.servers.append(server)
        return server

    def tearDown(self) -> None:
        for server in self.servers:
            server.stop()
        self.assertLessEqual(open_descriptors(), self.descriptors_before)


class SlowlorisTest(InjectorTestCase):
    def test_header_timeout_server_answers_each_with_408(self) -> None:
        server = self.server("header-timeout", header_timeout_s=0.4)
        result, fault = run_window(SmallSlowloris, server.port, 1.2)
        self.assertEqual(result["got_408"], 20, result)
        self.assertEqual(result["no_answer"] + result["never_connected"], 0)
        self.assertGreater(result["bytes_sent"], 20)
        start, end = fault.times_since_origin() or (0.0, 0.0)
        self.assertGreaterEqual(end - start, 1.2)
        self.assertLess(end - start, 5.0)  # bounded, not a speed check

    def test_server_that_never_accepts_leaves_them_unanswered(self) -> None:
        server = self.server("no-accept")
        result, _ = run_window(SmallSlowloris, server.port, 0.5)
        self.assertEqual(result["no_answer"], 20)
        self.assertEqual(result["got_408"], 0)
        if shutil.which("ss"):
            self.assertEqual(result["accept_queue_at_end"], 20)

    def test_nobody_listening_is_counted_not_raised(self) -> None:
        result, _ = run_window(SmallSlowloris, unused_port(), 0.3)
        self.assertEqual(result["never_connected"], 20)
        self.assertNotIn("injector_error", result)

    def test_run_ending_early_stops_the_fault(self) -> None:
        server = self.server("no-accept")
        fault = SmallSlowloris(FaultTarget("127.0.0.1", server.port, os.getpid(), "asio"),
                               FaultWindow(0.0, 30.0))
        fault.start(time.monotonic())
        time.sleep(0.3)
        began = time.monotonic()
        result = fault.join()
        self.assertLess(time.monotonic() - began, 5.0)  # bounded by the join, not the window
        self.assertNotIn("join_timed_out", result)
        self.assertEqual(result["no_answer"], 20)

    def test_server_setup_asks_for_the_header_timeout(self) -> None:
        setup = Slowloris.server_setup()
        self.assertEqual(setup.flags, ("--header-timeout-ms", "2000"))
        self.assertEqual(dict(setup.nginx), {"client_header_timeout_s": 2.0})


class SlowBodyTest(InjectorTestCase):
    def test_body_timeout_server_answers_each_with_408(self) -> None:
        server = self.server("body-timeout", header_timeout_s=0.4)
        result, _ = run_window(SmallSlowBody, server.port, 1.2)
        self.assertEqual(result["got_408"], 20, result)
        self.assertEqual(result["no_answer"] + result["never_connected"], 0)
        self.assertEqual(result["bytes_sent"], 20 * len(SlowBody.request))  # once each, no more

    def test_a_server_without_one_leaves_them_waiting(self) -> None:
        server = self.server("body-timeout", header_timeout_s=30.0)
        result, _ = run_window(SmallSlowBody, server.port, 0.6)
        self.assertEqual(result["no_answer"], 20, result)
        self.assertEqual(result["got_408"], 0)

    def test_server_setup_asks_for_the_body_timeout(self) -> None:
        setup = SlowBody.server_setup()
        self.assertEqual(setup.flags, ("--body-timeout-ms", "2000"))
        self.assertEqual(setup.nginx, ())


class DescriptorExhaustionTest(InjectorTestCase):
    def test_holds_twice_the_limit_then_releases(self) -> None:
        server = self.server("header-timeout")
        result, _ = run_window(SmallExhaustion, server.port, 0.5)
        self.assertEqual(result["idle_connections"], 16)
        self.assertEqual(result["connected"], 16)
        self.assertEqual(result["closed_by_server"], 0)  # idle connections are held
        self.assertEqual(result["server_nofile"], 8)

    def test_server_starts_under_prlimit(self) -> None:
        setup = DescriptorExhaustion.server_setup()
        self.assertEqual(setup.command_prefix, ("prlimit", "--nofile=128:128", "--"))
        self.assertEqual(dict(setup.nginx), {"worker_connections": 64})

    def test_listen_queue_parse(self) -> None:
        listing = ("LISTEN 7      511    127.0.0.1:8080  0.0.0.0:*\n"
                   "LISTEN 3      511    127.0.0.1:8080  0.0.0.0:*\n"
                   "LISTEN 9      511    127.0.0.1:9090  0.0.0.0:*\n")
        self.assertEqual(parse_listen_queues(listing, "127.0.0.1", 8080), 10)
        self.assertIsNone(parse_listen_queues(listing, "127.0.0.1", 1))


class MalformedStormTest(InjectorTestCase):
    def test_answers_are_counted_by_status_and_kind(self) -> None:
        server = self.server("always-400")
        result, _ = run_window(SmallStorm, server.port, 0.5)
        self.assertGreaterEqual(result["waves"], 1)
        self.assertEqual(result["requests"], 8 * result["waves"])
        self.assertEqual(result["answers"], {"400": result["requests"]})
        self.assertEqual(set(result["by_kind"]), {kind for kind, _, _ in MALFORMED})
        # 431, 505 and 501 are expected for three of the eight kinds.
        not_400 = sum(1 for _, _, status in MALFORMED if status != 400)
        self.assertEqual(result["unexpected"], not_400 * result["waves"])

    def test_answered_connections_are_closed_without_waiting_for_the_server(self) -> None:
        server = self.server("400-linger")
        result, _ = run_window(SmallStorm, server.port, 0.3)
        self.assertEqual(result["answers"], {"400": result["requests"]})
        deadline = time.monotonic() + 5
        while server.peer_closed < result["requests"] and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(server.peer_closed, result["requests"])  # we closed first

    def test_no_answer_is_unexpected(self) -> None:
        server = self.server("no-accept")
        result, _ = run_window(SmallStorm, server.port, 0.2)
        self.assertEqual(result["answers"], {"no answer in time": result["requests"]})
        self.assertEqual(result["unexpected"], result["requests"])


class DisconnectMidReplyTest(InjectorTestCase):
    def test_clients_hang_up_mid_reply_alternating_reset_and_close(self) -> None:
        server = self.server("bytes")
        result, _ = run_window(SmallDisconnect, server.port, 0.8)
        self.assertGreater(result["reset"] + result["closed"], 2, result)
        self.assertLessEqual(abs(result["reset"] - result["closed"]), 1)
        self.assertGreaterEqual(result["bytes_read"], 64 * 1024 * (result["reset"] +
                                                                   result["closed"]))
        deadline = time.monotonic() + 5
        while server.write_failures == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertGreater(server.write_failures, 0)  # the server was still writing

    def test_not_applicable_to_nginx(self) -> None:
        self.assertIn("/bytes", DisconnectMidReply.not_applicable("nginx") or "")
        self.assertIsNone(DisconnectMidReply.not_applicable("prefork"))


if __name__ == "__main__":
    junit.main()
