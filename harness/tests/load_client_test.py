"""The load client's command line and the defensive reading of its JSON."""
from __future__ import annotations

import unittest

from harness.load_client import (LoadResult, LoadSpec, describe_load, merge_results,
                                  parse_load_json)
from harness.tests import junit


class FlagsTest(unittest.TestCase):
    def test_duration_run(self) -> None:
        spec = LoadSpec(connections=64, duration_s=2.0, message_size=64, pipeline=16)
        self.assertEqual(spec.flags("127.0.0.1:9", "echo"), [
            "--target", "127.0.0.1:9", "--protocol", "echo", "--threads", "1",
            "--connections", "64", "--warmup", "0.5", "--timeout", "5000", "--duration", "2",
            "--message-size", "64", "--pipeline", "16"])

    def test_requests_run_without_keepalive(self) -> None:
        spec = LoadSpec(connections=1, requests=500, path="/bytes?n=4000", keepalive=False,
                        warmup_s=0, ws_binary=True, rate=1500.5)
        flags = spec.flags("h:1", "http")
        self.assertIn("--requests", flags)
        self.assertNotIn("--duration", flags)
        self.assertEqual(flags[flags.index("--path") + 1], "/bytes?n=4000")
        self.assertEqual(flags[flags.index("--rate") + 1], "1500.5")
        self.assertIn("--no-keepalive", flags)
        self.assertIn("--ws-binary", flags)

    def test_time_bound_covers_warmup_and_grace(self) -> None:
        self.assertEqual(LoadSpec(duration_s=2, warmup_s=1).time_bound_s(), 18.0)
        self.assertEqual(LoadSpec(requests=10, warmup_s=0, max_seconds=30).time_bound_s(), 45.0)

    def test_unknown_scenario_key_is_an_error(self) -> None:
        with self.assertRaises(ValueError):
            LoadSpec.from_dict({"conections": 5})

    def test_broadcast_takes_one_client_process(self) -> None:
        self.assertEqual(LoadSpec.from_dict({"path": "/broadcast"}).processes, 1)
        with self.assertRaises(ValueError):
            LoadSpec.from_dict({"path": "/broadcast", "processes": 2})


class ParseTest(unittest.TestCase):
    def test_nested_layout(self) -> None:
        result = parse_load_json({
            "throughput": {"requests": 1000, "requests_per_sec": 500.5, "bytes_per_sec": 64000},
            "percentiles": {"p50": 10, "p90": 20, "p99": 30, "p99.9": 40, "max": 50},
            "errors": {"timeout": 2, "reset": 0, "total": 2}})
        self.assertEqual(result.requests, 1000)
        self.assertEqual(result.throughput_rps, 500.5)
        self.assertEqual(result.throughput_bps, 64000)
        self.assertEqual(result.latency_us, {"p50": 10, "p90": 20, "p99": 30, "p99.9": 40,
                                             "max": 50})
        self.assertEqual(result.errors, {"timeout": 2})

    def test_the_real_clients_layout(self) -> None:
        # The shape clients/load/report.cc writes (abridged).
        result = parse_load_json({
            "tool": "archbench-load", "requests": 5000, "measured_seconds": 2.0,
            "throughput": {"requests_per_sec": 2500.0, "bytes_per_sec": 320000.0},
            "errors": {"connect": 0, "read": 1, "write": 2, "reset": 3, "timeout": 4,
                       "wrong_reply": 0, "http_non_2xx": 0, "total": 7},
            "latency_us": {"count": 5000, "min": 10, "mean": 50.5, "stddev": 3, "p50": 45,
                           "p90": 80, "p99": 120, "p99_9": 300, "p99_99": 900, "max": 1000,
                           "percentiles": [{"percentile": 50, "value_us": 45, "count": 1}]},
            "intervals": [], "verdict": "errors"})
        self.assertEqual(result.requests, 5000)
        self.assertEqual((result.throughput_rps, result.throughput_bps), (2500.0, 320000.0))
        self.assertEqual(result.latency_us, {"p50": 45, "p90": 80, "p99": 120, "p99.9": 300,
                                             "max": 1000})
        self.assertEqual(result.errors, {"read": 1, "write": 2, "timeout": 4})
        self.assertEqual(result.error_count, 7)

    def test_other_spellings(self) -> None:
        result = parse_load_json({
            "Requests": 7, "rps": 3.5,
            "latency": {"percentiles": {"50.0": 1, "90": 2, "99_us": 3, "p99_9_us": 4},
                        "max_us": 9},
            "errors": 3})
        self.assertEqual((result.requests, result.throughput_rps), (7, 3.5))
        self.assertEqual(result.latency_us, {"p50": 1, "p90": 2, "p99": 3, "p99.9": 4, "max": 9})
        self.assertEqual(result.errors, {"unclassified": 3})

    def test_missing_keys_are_none_not_errors(self) -> None:
        result = parse_load_json({"something": "else"})
        self.assertIsNone(result.throughput_rps)
        self.assertEqual(result.latency_us["p99"], None)
        self.assertEqual(result.errors, {})
        self.assertIsNone(result.deliveries_per_sec)
        self.assertIsNone(result.unsupported)
        self.assertEqual(result.extra, {})

    def test_broadcast_fan_out_and_pongs(self) -> None:
        # The fields clients/load/report.cc adds in WebSocket broadcast mode (abridged).
        result = parse_load_json({
            "requests": 4000, "throughput": {"requests_per_sec": 2000.0,
                                             "deliveries_per_sec": 32000.0},
            "errors": {"read": 0, "write": 0, "reset": 0, "wrong_reply": 0, "missing": 2,
                       "total": 2},
            "broadcast": {"connections": 16, "members": 16, "messages": 4000,
                          "deliveries": 64000, "missing": 2, "departed": 0},
            "websocket": {"pongs_sent": 5}, "verdict": "errors"})
        self.assertEqual(result.deliveries_per_sec, 32000.0)
        self.assertEqual(result.errors, {"missing": 2})
        self.assertEqual(result.extra, {
            "broadcast_members": 16, "broadcast_messages": 4000, "broadcast_deliveries": 64000,
            "broadcast_missing": 2, "pongs_sent": 5, "deliveries_per_sec": 32000.0})
        self.assertIsNone(result.unsupported)

    def test_unsupported_carries_the_servers_reason(self) -> None:
        result = parse_load_json({
            "requests": 0, "errors": {"total": 0}, "verdict": "unsupported",
            "unsupported": {"refused_connections": 16, "status": 501,
                            "reason": "one process per connection"}})
        self.assertEqual(result.unsupported, "one process per connection")
        self.assertEqual(result.errors, {})


class DescribeLoadTest(unittest.TestCase):
    def test_default_load_is_empty(self) -> None:
        self.assertEqual(describe_load("echo", LoadSpec(message_size=64).parameters()), "")
        self.assertEqual(describe_load("http", LoadSpec(path="/").parameters()), "")

    def test_shapes(self) -> None:
        ws = LoadSpec(path="/broadcast", message_size=65536).parameters()
        self.assertEqual(describe_load("websocket", ws), "/broadcast 64 KiB")
        self.assertEqual(describe_load("http", LoadSpec(path="/", pipeline=16).parameters()),
                         "pipe 16")
        stevens = LoadSpec(keepalive=False, path="/bytes?n=4000", processes=5).parameters()
        self.assertEqual(describe_load("http", stevens), "no keep-alive /bytes?n=4000 5 clients")
        self.assertEqual(describe_load("timer", LoadSpec(timer_ms=1).parameters()), "timer 1 ms")


class MergeTest(unittest.TestCase):
    def test_sums_throughput_and_errors_takes_worst_percentile(self) -> None:
        a = LoadResult(requests=10, throughput_rps=5, latency_us={"p99": 100, "max": 300},
                       errors={"timeout": 1}, exit_status=0)
        b = LoadResult(requests=20, throughput_rps=7, latency_us={"p99": 200, "max": 250},
                       errors={"timeout": 2, "reset": 1}, exit_status=1)
        merged = merge_results([a, b])
        self.assertEqual((merged.requests, merged.throughput_rps), (30, 12))
        self.assertEqual(merged.latency_us["p99"], 200)
        self.assertEqual(merged.latency_us["max"], 300)
        self.assertEqual(merged.errors, {"timeout": 3, "reset": 1})
        self.assertEqual(merged.exit_status, 1)
        self.assertFalse(merged.verified)

    def test_fan_out_sums_and_unsupported_needs_every_part(self) -> None:
        a = LoadResult(requests=10, deliveries_per_sec=160, extra={"broadcast_deliveries": 160})
        b = LoadResult(requests=20, deliveries_per_sec=320, extra={"broadcast_deliveries": 320})
        merged = merge_results([a, b])
        self.assertEqual(merged.deliveries_per_sec, 480)
        self.assertEqual(merged.extra, {"broadcast_deliveries": 480})
        self.assertIsNone(merged.unsupported)
        refused = [LoadResult(requests=0, exit_status=3, unsupported="no") for _ in range(2)]
        self.assertEqual(merge_results(refused).unsupported, "no")
        self.assertIsNone(merge_results([refused[0], a]).unsupported)


if __name__ == "__main__":
    junit.main()
