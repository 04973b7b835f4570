"""fault_analysis: the request log cut at the fault, percentiles, lost requests, recovery."""
from __future__ import annotations

import pathlib
import tempfile
import unittest

from harness.fault_analysis import (FaultTimes, LoggedRequest, analyse, analyse_file,
                                    percentile, read_request_log)
from harness.tests import junit

# Measured window 1..5 s of the client's clock; the fault from 2 to 3 s.
TIMES = FaultTimes(measure_start_s=1.0, measure_end_s=5.0, fault_start_s=2.0, fault_end_s=3.0)


def steady(start: float, end: float, per_s: int, latency_s: float, outcome: str = "ok"
           ) -> list[LoggedRequest]:
    """per_s requests a second intended in [start, end), each with the same latency."""
    count = round((end - start) * per_s)
    return [LoggedRequest(intended_s=start + i / per_s, latency_s=latency_s, outcome=outcome)
            for i in range(count)]


class PercentileTest(unittest.TestCase):
    def test_nearest_rank(self) -> None:
        values = [float(v) for v in range(1, 101)]
        self.assertEqual(percentile(values, 50), 50.0)
        self.assertEqual(percentile(values, 99), 99.0)
        self.assertEqual(percentile([7.0], 99), 7.0)
        self.assertIsNone(percentile([], 50))


class AnalyseTest(unittest.TestCase):
    def test_stall_during_the_fault_then_recovery(self) -> None:
        requests = (steady(1.0, 2.0, 1000, 0.001)
                    + steady(2.0, 3.0, 10, 0.5)  # slow during the fault
                    + steady(2.0, 3.0, 5, 0, outcome="timeout")
                    + steady(3.0, 3.3, 200, 0.001)  # 20 per bin: not yet 90 %
                    + steady(3.3, 5.0, 1000, 0.001))
        result = analyse(requests, TIMES)
        self.assertEqual(result["lost"], 5)
        self.assertEqual(result["lost_by_outcome"], {"timeout": 5})
        self.assertEqual(result["before"]["p50_us"], 1000.0)
        self.assertEqual(result["during"]["p99_us"], 500000.0)
        self.assertEqual(result["during"]["lost"], 5)
        self.assertEqual(result["fault_start_s"], 1.0)  # from the measured window's start
        self.assertEqual(result["before"]["end_s"], 1.0)
        self.assertAlmostEqual(result["baseline_per_bin"], 100.0, delta=1.0)
        # The slow replies of requests intended just before 3 s complete after it.
        self.assertIsNotNone(result["first_reply_ms"])
        self.assertLess(result["first_reply_ms"], 100)
        self.assertAlmostEqual(result["recovery_ms"], 300.0, delta=100.0)

    def test_no_recovery_before_the_end(self) -> None:
        requests = steady(1.0, 2.0, 1000, 0.001) + steady(2.0, 5.0, 100, 0.001)
        result = analyse(requests, TIMES)
        self.assertIsNone(result["recovery_ms"])
        self.assertIn("not back to 90%", result["recovery_note"])

    def test_unaffected_load_recovers_at_once(self) -> None:
        result = analyse(steady(1.0, 5.0, 500, 0.002), TIMES)
        self.assertEqual(result["lost"], 0)
        self.assertEqual(result["recovery_ms"], 0.0)
        self.assertLess(result["first_reply_ms"], 5.0)

    def test_instant_fault_gets_a_during_window(self) -> None:
        instant = FaultTimes(measure_start_s=1.0, measure_end_s=5.0, fault_start_s=3.0,
                             fault_end_s=3.0)
        result = analyse(steady(1.0, 5.0, 100, 0.001), instant)
        self.assertEqual(result["during"]["start_s"], 2.0)
        self.assertEqual(result["during"]["end_s"], 3.0)
        self.assertEqual(result["during"]["requests"], 100)

    def test_nothing_before_the_fault_means_no_baseline(self) -> None:
        result = analyse(steady(2.0, 5.0, 100, 0.001), TIMES)
        self.assertIsNone(result["recovery_ms"])
        self.assertIn("no verified replies before", result["recovery_note"])


class RequestLogFileTest(unittest.TestCase):
    def test_reads_the_clients_csv(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = pathlib.Path(tmp, "requests.csv")
            path.write_text("intended_us,actual_us,latency_us,outcome,connection\n"
                            "1000000.000,1000010.500,250,ok,0\n"
                            "1500000.000,1500000.000,0,read_error,1\n")
            requests = read_request_log(path)
            self.assertEqual(requests[0], LoggedRequest(1.0, 0.00025, "ok"))
            self.assertFalse(requests[1].verified)

    def test_missing_or_malformed_log_is_reported_not_raised(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = pathlib.Path(tmp, "requests.csv")
            self.assertIn("no request log", analyse_file(path, TIMES)["unavailable"])
            path.write_text("a,b\n1,2\n")
            self.assertIn("expected columns", analyse_file(path, TIMES)["unavailable"])


if __name__ == "__main__":
    junit.main()
