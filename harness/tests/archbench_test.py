"""The command line: parsing `run` flags into a RunSpec, `list`, `explain`, bad scenario names."""
from __future__ import annotations

import contextlib
import io
import pathlib
import tempfile
import unittest
from unittest import mock

from harness import archbench
from harness.tests import junit
from harness.tests.fakes import make_bin_dir


def capture(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = archbench.main(argv)
    return status, out.getvalue(), err.getvalue()


class ParseRunTest(unittest.TestCase):
    def test_run_flags_become_a_spec(self) -> None:
        args = archbench.build_parser().parse_args([
            "run", "--arch", "prefork", "--protocol", "http", "--connections", "32",
            "--pipeline", "16", "--duration", "1.5", "--no-keepalive",
            "--server-flags", "--workers 8 --accept-lock fcntl", "--variant", "fcntl",
            "--bin-dir", "/x"])
        spec = archbench.spec_from_args(args)
        self.assertEqual((spec.architecture, spec.protocol, spec.variant),
                         ("prefork", "http", "fcntl"))
        self.assertEqual(spec.server_flags, ("--workers", "8", "--accept-lock", "fcntl"))
        self.assertEqual((spec.load.connections, spec.load.pipeline, spec.load.duration_s),
                         (32, 16, 1.5))
        self.assertFalse(spec.load.keepalive)
        self.assertEqual(spec.load.path, "/")  # the protocol default
        self.assertEqual(args.bin_dir, "/x")

    def test_unknown_architecture_is_a_usage_error(self) -> None:
        with contextlib.redirect_stderr(io.StringIO()), self.assertRaises(SystemExit) as exit:
            archbench.build_parser().parse_args(["run", "--arch", "nope", "--protocol", "echo"])
        self.assertEqual(exit.exception.code, 2)


class CommandsTest(unittest.TestCase):
    def test_list_shows_built_and_missing(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            make_bin_dir(pathlib.Path(tmp), {"iterative": "ok"})
            status, out, _ = capture(["list", "--bin-dir", tmp])
        self.assertEqual(status, 0)
        lines = out.splitlines()
        iterative = next(l for l in lines if l.strip().startswith("iterative"))
        asio = next(l for l in lines if l.strip().startswith("asio"))
        self.assertIn("built", iterative)
        self.assertIn("not built", asio)
        self.assertIn("protocols: echo, eof, length, http, websocket, timer", out)
        self.assertIn("stevens", out)

    def test_explain_without_docs_says_so(self) -> None:
        with mock.patch.object(archbench, "docs_path", return_value=None):
            status, out, _ = capture(["explain", "reactor"])
        self.assertEqual(status, 0)
        self.assertTrue(out.startswith("reactor: reactor threads"), out)
        self.assertIn("docs/reactor.md is not written yet", out)

    def test_explain_prints_the_page(self) -> None:
        with tempfile.NamedTemporaryFile("w", suffix=".md") as page:
            page.write("# prefork\n\nN children in accept().\n")
            page.flush()
            with mock.patch.object(archbench, "docs_path", return_value=pathlib.Path(page.name)):
                status, out, _ = capture(["explain", "prefork"])
        self.assertEqual((status, out), (0, "# prefork\n\nN children in accept().\n"))

    def test_unknown_scenario_is_exit_2(self) -> None:
        status, _, err = capture(["scenario", "no_such_scenario"])
        self.assertEqual(status, 2)
        self.assertIn("known: c10k, concurrency_sweep", err)

    def test_run_with_fakes_prints_the_row(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            make_bin_dir(pathlib.Path(tmp) / "bin", {"iterative": "ok"})
            status, out, _ = capture([
                "run", "--arch", "iterative", "--protocol", "echo", "--duration", "0.3",
                "--warmup", "0", "--bin-dir", str(pathlib.Path(tmp) / "bin"),
                "--out", str(pathlib.Path(tmp) / "out"), "--strict"])
            self.assertTrue((pathlib.Path(tmp) / "out" / "results.json").is_file())
        self.assertEqual(status, 0, out)
        self.assertIn("| iterative | echo | 16 |", out)
        self.assertIn('"verdict": "ok"', out)


if __name__ == "__main__":
    junit.main()
