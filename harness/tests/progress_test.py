"""Progress output (plain lines off a terminal, one redrawn line on one) and the fault victim."""
from __future__ import annotations

import io
import unittest

from harness.fault_injection import choose_victim
from harness.progress import Progress, format_duration
from harness.tests import junit


class ProgressTest(unittest.TestCase):
    def test_plain_lines_when_not_a_terminal(self) -> None:
        stream = io.StringIO()
        progress = Progress.for_stream([1.0, 1.0], stream)
        self.assertFalse(progress.interactive)
        progress.begin("a echo")
        progress.end("a echo", "ok")
        self.assertEqual(stream.getvalue(), "[1/2] a echo: ok\n")

    def test_terminal_line_has_bar_and_eta(self) -> None:
        stream = io.StringIO()
        progress = Progress(expected=[2.0, 2.0, 2.0, 2.0], stream=stream, interactive=True)
        progress.begin("x")
        self.assertIn("[........................] 0/4 x  ETA", stream.getvalue())
        progress.end("x", "ok")
        progress.begin("y")
        self.assertIn("[######..................] 1/4 y", stream.getvalue())
        self.assertTrue(stream.getvalue().startswith("\r\x1b[2K"))

    def test_format_duration(self) -> None:
        self.assertEqual([format_duration(s) for s in (5, 65, 3725)], ["5s", "1m05s", "1h02m"])


class VictimTest(unittest.TestCase):
    def test_leaf_other_than_root(self) -> None:
        # 10 -> manager 11 -> workers 12, 13; 10 -> task worker 14 with helper 15
        parents = {10: 1, 11: 10, 12: 11, 13: 11, 14: 10, 15: 14}
        self.assertEqual(choose_victim(parents, 10), 15)
        self.assertEqual(choose_victim({10: 1, 11: 10, 12: 11}, 10), 12)

    def test_no_children_no_victim(self) -> None:
        self.assertIsNone(choose_victim({10: 1}, 10))


if __name__ == "__main__":
    junit.main()
