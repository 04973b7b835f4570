"""//scripts:plot: charts from a results file.

  bazel run //scripts:plot -- results/quick/results.json [--out DIR]

Writes PNGs beside the results file (or into --out): whichever of these the results hold data
for: headline.png (quick: architectures × protocols), throughput_vs_connections.png (sweeps),
latency_percentiles.png, cpu_per_request.png, memory_per_connection.png (c10k),
timer_lateness.png (timers), stevens_cpu.png (stevens). Prints the paths it wrote.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import sys
from typing import Optional

from harness.results import ResultsDocument
from scripts.plot_charts import CHARTS


def resolve(path: str) -> pathlib.Path:
    """Relative paths are relative to where `bazel run` was typed, not to the runfiles."""
    candidate = pathlib.Path(path)
    base = os.environ.get("BUILD_WORKING_DIRECTORY")
    return candidate if candidate.is_absolute() or not base else pathlib.Path(base) / candidate


def plot(results_path: pathlib.Path, out_dir: Optional[pathlib.Path] = None) -> list[pathlib.Path]:
    """Renders every chart that has data; returns the files written."""
    document = ResultsDocument.from_json(results_path.read_text())
    out = out_dir or results_path.parent
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for chart in CHARTS:
        path = chart(document, out)
        if path is not None:
            written.append(path)
    return written


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="plot", description=__doc__.split("\n\n")[0])
    parser.add_argument("results", help="a results.json written by the harness")
    parser.add_argument("--out", help="directory for the PNGs (default: beside the results)")
    args = parser.parse_args(argv)
    results = resolve(args.results)
    if not results.is_file():
        print(f"plot: no such file: {results}", file=sys.stderr)
        return 2
    try:
        written = plot(results, resolve(args.out) if args.out else None)
    except (ValueError, KeyError) as error:
        print(f"plot: {results} is not a results file: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    if not written:
        print("plot: nothing to chart (no runs with numbers)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
