"""Counting connections per child/thread from --trace lines (servers/core/server_log.h)."""
from __future__ import annotations

import unittest

from harness.tests import junit
from harness.trace_counts import count_connections


class TraceCountsTest(unittest.TestCase):
    def test_counts_accepts_per_process(self) -> None:
        lines = ["READY-ish noise", "trace: accept 127.0.0.1:5000 pid=11 tid=11",
                 "trace: accept 127.0.0.1:5001 pid=12 tid=12",
                 "trace: close 127.0.0.1:5000 pid=11 tid=11",
                 "trace: accept 127.0.0.1:5002 pid=11 tid=11"]
        spread = count_connections(lines)
        assert spread is not None
        self.assertEqual((spread.event, spread.unit, spread.counts), ("accept", "process", (2, 1)))
        self.assertEqual(spread.summary(),
                         "3 connections over 2 processes: min 1, max 2, stdev 0.5")

    def test_one_process_counts_threads(self) -> None:
        lines = [f"trace: accept 127.0.0.1:{5000 + i} pid=7 tid={100 + i % 3}" for i in range(9)]
        spread = count_connections(lines)
        assert spread is not None
        self.assertEqual((spread.unit, spread.counts), ("thread", (3, 3, 3)))
        self.assertEqual(spread.to_dict()["counts"], [3, 3, 3])

    def test_unknown_event_names_use_the_most_common(self) -> None:
        lines = ["trace: served [::1]:1 pid=3 tid=3", "trace: served [::1]:2 pid=4 tid=4",
                 "trace: gone [::1]:2 pid=4 tid=4"]
        spread = count_connections(lines)
        assert spread is not None
        self.assertEqual(spread.event, "served")
        self.assertEqual(spread.connections, 2)

    def test_no_trace_lines(self) -> None:
        self.assertIsNone(count_connections(["listening", "READY 127.0.0.1 1 2"]))


if __name__ == "__main__":
    junit.main()
