"""The charts of //scripts:plot, one function per chart, each returning the PNG it wrote (or
None when the results hold nothing for it).

Every architecture keeps one colour in every chart (registry order over the tab10 palette; the
nginx reference is black and dashed), so charts from different scenarios read alike. Runs whose
verdict is not `ok` are drawn hollow or marked, because a fast wrong answer is not fast.

Thread-safety: matplotlib's pyplot state is global; call from one thread.
"""
from __future__ import annotations

import collections
import pathlib
import textwrap
from typing import Optional

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.colors import LinearSegmentedColormap  # noqa: E402

from harness import registry  # noqa: E402
from harness.load_client import describe_load  # noqa: E402
from harness.markdown_report import server_cpu  # noqa: E402
from harness.results import ResultsDocument, RunRecord  # noqa: E402

PERCENTILE_ORDER = ("p50", "p90", "p99", "p99.9", "max")
DPI = 110


def colour(arch_id: str) -> str:
    if arch_id == registry.NGINX.id:
        return "black"
    ids = registry.known_ids(include_reference=False)
    palette = plt.get_cmap("tab10").colors
    return matplotlib.colors.to_hex(palette[ids.index(arch_id) % 10] if arch_id in ids
                                    else (0.5, 0.5, 0.5))


def _save(fig: plt.Figure, path: pathlib.Path) -> pathlib.Path:
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _suptitle(fig: plt.Figure, text: str) -> None:
    """A figure title wrapped to the figure's width, so narrow charts do not clip it."""
    fig.suptitle(textwrap.fill(text, width=max(40, int(fig.get_figwidth() * 12))))


def _title(document: ResultsDocument, what: str) -> str:
    return f"{document.scenario}: {what}  ({document.machine.cpus} CPUs, {document.git_revision[:12]})"


def throughput_vs_connections(document: ResultsDocument, out: pathlib.Path
                              ) -> Optional[pathlib.Path]:
    """Req/s against connections (log x), one line per architecture, one panel per protocol."""
    series: dict[str, dict[str, list[RunRecord]]] = collections.defaultdict(
        lambda: collections.defaultdict(list))
    for run in document.runs:
        if run.throughput_rps is not None and run.parameters.get("connections"):
            series[run.protocol][series_name(run)].append(run)
    protocols = [p for p in sorted(series, key=_protocol_order) if any(
        len({r.parameters["connections"] for r in runs}) > 1 for runs in series[p].values())]
    if not protocols:
        return None
    columns = min(2, len(protocols))
    rows = (len(protocols) + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(7.5 * columns, 4.8 * rows), squeeze=False,
                             layout="constrained")
    for axis in axes.flat[len(protocols):]:
        axis.set_visible(False)
    for axis, protocol in zip(axes.flat, protocols):
        ticks: set[int] = set()
        for name, runs in sorted(series[protocol].items()):
            runs.sort(key=lambda r: r.parameters["connections"])
            xs = [r.parameters["connections"] for r in runs]
            ys = [r.throughput_rps for r in runs]
            ticks.update(xs)
            arch = runs[0].architecture
            axis.plot(xs, ys, marker="o", color=colour(arch), label=name,
                      linestyle="--" if runs[0].reference else "-")
            bad = [(x, y) for x, y, r in zip(xs, ys, runs) if r.verdict != "ok"]
            if bad:
                axis.scatter(*zip(*bad), s=90, facecolors="none", edgecolors="red", zorder=3)
        axis.set_xscale("log", base=2)
        axis.set_xticks(sorted(ticks), [str(t) for t in sorted(ticks)])
        axis.minorticks_off()
        axis.set_xlabel("connections (log scale)")
        axis.set_ylabel("requests per second")
        axis.set_title(protocol)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8, loc="upper left")
    _suptitle(fig, _title(document, "throughput vs connections (red ring: verdict not ok)"))
    return _save(fig, out / "throughput_vs_connections.png")


def _protocol_order(protocol: str) -> int:
    return registry.PROTOCOLS.index(protocol) if protocol in registry.PROTOCOLS else 99


def series_name(run: RunRecord) -> str:
    """The architecture (and variant) plus the load's shape when it is not the default."""
    shape = describe_load(run.protocol, run.parameters)
    return f"{run.name} {shape}" if shape else run.name


def _representative(document: ResultsDocument) -> dict[str, list[RunRecord]]:
    """Per protocol, one run per series: the one with the most connections (the hardest load)."""
    chosen: dict[tuple[str, str], RunRecord] = {}
    for run in document.runs:
        key = (run.protocol, series_name(run))
        best = chosen.get(key)
        if best is None or run.parameters.get("connections", 0) > best.parameters.get(
                "connections", 0):
            chosen[key] = run
    grouped: dict[str, list[RunRecord]] = collections.defaultdict(list)
    for (protocol, _), run in chosen.items():
        grouped[protocol].append(run)
    return grouped


def latency_percentiles(document: ResultsDocument, out: pathlib.Path) -> Optional[pathlib.Path]:
    """p50 .. max per architecture (log y), one panel per protocol."""
    grouped = {p: [r for r in runs if r.latency_us.get("p50") is not None]
               for p, runs in _representative(document).items()}
    grouped = {p: runs for p, runs in grouped.items() if runs}
    if not grouped:
        return None
    columns = min(2, len(grouped))
    rows = (len(grouped) + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(7.5 * columns, 4.5 * rows), squeeze=False,
                             layout="constrained")
    for axis in axes.flat[len(grouped):]:
        axis.set_visible(False)
    for axis, (protocol, runs) in zip(axes.flat, sorted(grouped.items(),
                                                        key=lambda i: _protocol_order(i[0]))):
        for run in runs:
            keys = [k for k in PERCENTILE_ORDER if run.latency_us.get(k) is not None]
            axis.plot(keys, [run.latency_us[k] for k in keys], marker="o",
                      color=colour(run.architecture), label=series_name(run),
                      linestyle="--" if run.reference or run.verdict != "ok" else "-")
        axis.set_yscale("log")
        axis.set_ylabel("latency µs (log)")
        axis.set_title(protocol)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=7, ncol=2, loc="upper left")
    _suptitle(fig, _title(document, "latency percentiles (dashed: reference or verdict not ok)"))
    return _save(fig, out / "latency_percentiles.png")


def _bars(document: ResultsDocument, out: pathlib.Path, file_name: str, what: str, unit: str,
          value_of) -> Optional[pathlib.Path]:
    grouped = {p: [(r, value_of(r)) for r in runs] for p, runs in
               _representative(document).items()}
    grouped = {p: [(r, v) for r, v in pairs if v is not None] for p, pairs in grouped.items()}
    grouped = {p: pairs for p, pairs in grouped.items() if pairs}
    if not grouped:
        return None
    columns = min(3, len(grouped))
    rows = (len(grouped) + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(max(6.5, 5.0 * columns), 4.2 * rows),
                             squeeze=False, layout="constrained")
    for axis in axes.flat[len(grouped):]:
        axis.set_visible(False)
    for axis, (protocol, pairs) in zip(axes.flat, sorted(grouped.items(),
                                                         key=lambda i: _protocol_order(i[0]))):
        names = [series_name(r) for r, _ in pairs]
        bars = axis.barh(names, [v for _, v in pairs],
                         color=[colour(r.architecture) for r, _ in pairs],
                         hatch=None, edgecolor=["red" if r.verdict != "ok" else "none"
                                                for r, _ in pairs])
        for bar, (_, value) in zip(bars, pairs):
            axis.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {value:,.3g}",
                      va="center", fontsize=7)
        axis.invert_yaxis()
        axis.set_xlabel(unit)
        axis.set_title(protocol)
        axis.grid(True, axis="x", alpha=0.3)
        axis.tick_params(axis="y", labelsize=8)
    _suptitle(fig, _title(document, what + " (red edge: verdict not ok)"))
    return _save(fig, out / file_name)


def cpu_per_request(document: ResultsDocument, out: pathlib.Path) -> Optional[pathlib.Path]:
    return _bars(document, out, "cpu_per_request.png", "server CPU per request", "µs per request",
                 lambda r: r.cost.cpu_per_request_us)


def memory_per_connection(document: ResultsDocument, out: pathlib.Path
                          ) -> Optional[pathlib.Path]:
    if not any("memory_per_connection_bytes" in r.extra for r in document.runs):
        return None
    return _bars(document, out, "memory_per_connection.png",
                 "memory per idle connection (tree RSS)", "KiB per connection",
                 lambda r: (r.extra.get("memory_per_connection_bytes") or 0) / 1024
                 if r.extra.get("memory_per_connection_bytes") is not None else None)


def timer_lateness(document: ResultsDocument, out: pathlib.Path) -> Optional[pathlib.Path]:
    """Lateness percentiles (the load client reports percentiles, not a full CDF)."""
    runs = [r for r in document.runs if r.protocol == "timer" and r.latency_us.get("p50")]
    if not runs:
        return None
    groups = sorted({str(r.extra.get("group", "")) for r in runs})
    fig, axes = plt.subplots(1, len(groups), figsize=(7 * len(groups), 5.5), squeeze=False,
                             sharey=True, layout="constrained")
    for axis, group in zip(axes[0], groups):
        members = [r for r in runs if str(r.extra.get("group", "")) == group]
        repeated = len({r.name for r in members}) < len(members)
        for run in members:
            keys = [k for k in PERCENTILE_ORDER if run.latency_us.get(k) is not None]
            label = run.name + (f" c={run.parameters.get('connections')}" if repeated else "")
            axis.plot([run.latency_us[k] for k in keys], keys, marker="o",
                      color=colour(run.architecture), label=label)
        axis.set_xscale("log")
        axis.set_xlabel("lateness µs (log): fired minus due")
        axis.set_ylabel("percentile")
        axis.set_title(group or "timers")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    _suptitle(fig, _title(document, "timer lateness percentiles"))
    return _save(fig, out / "timer_lateness.png")


def headline(document: ResultsDocument, out: pathlib.Path) -> Optional[pathlib.Path]:
    """Architectures × protocols: colour is req/s relative to the best in that protocol, the
    cell says req/s or the verdict. The one picture of a quick run."""
    names = list(dict.fromkeys(r.name for r in document.runs))
    protocols = [p for p in registry.PROTOCOLS if any(r.protocol == p for r in document.runs)]
    if not names or not protocols or (len(protocols) < 2 and document.scenario != "quick"):
        return None
    cells: dict[tuple[str, str], RunRecord] = {}
    for run in document.runs:  # one cell per (architecture, protocol): the most connections
        current = cells.get((run.name, run.protocol))
        if current is None or run.parameters.get("connections", 0) > current.parameters.get(
                "connections", 0):
            cells[(run.name, run.protocol)] = run
    best = {p: max((r.throughput_rps or 0) for r in document.runs if r.protocol == p) or 1
            for p in protocols}
    # NaN: ran but not ok (red); -1: not run (grey, the colormap's "under" colour).
    grid = [[(-1.0 if (n, p) not in cells else
              (cells[(n, p)].throughput_rps or 0) / best[p] if cells[(n, p)].verdict == "ok"
              else float("nan")) for p in protocols] for n in names]
    fig, axis = plt.subplots(figsize=(1.6 * len(protocols) + 3, 0.5 * len(names) + 1.8),
                             layout="constrained")
    cmap = LinearSegmentedColormap.from_list("rel", ["#f7fbff", "#08519c"])
    cmap.set_bad("#fcbba1")
    cmap.set_under("#eeeeee")
    axis.imshow(grid, cmap=cmap, vmin=0, vmax=1, aspect="auto")
    for i, name in enumerate(names):
        for j, protocol in enumerate(protocols):
            run = cells.get((name, protocol))
            if run is None:
                text, shade = "not run", 0.0
            elif run.verdict != "ok":
                text, shade = run.verdict, 0.0
            else:
                text, shade = f"{(run.throughput_rps or 0) / 1000:,.1f}k", grid[i][j]
            axis.text(j, i, text, ha="center", va="center", fontsize=8,
                      color="white" if shade > 0.6 else "black")
    usual = collections.Counter(r.parameters.get("connections") for r in cells.values())
    common = usual.most_common(1)[0][0] if usual else None
    labels = []
    for name in names:
        own = {r.parameters.get("connections") for (n, _), r in cells.items() if n == name}
        labels.append(f"{name} (c={own.pop()})" if len(own) == 1 and common not in own
                      else name)
    axis.set_xticks(range(len(protocols)), protocols)
    axis.set_yticks(range(len(names)), labels)
    axis.set_title(textwrap.fill(_title(document, "req/s (shade: relative to the best per "
                                        "protocol; red: verdict not ok; grey: not run)"),
                                 width=max(40, int(fig.get_figwidth() * 14))), fontsize=9)
    return _save(fig, out / "headline.png")


def stevens_cpu(document: ResultsDocument, out: pathlib.Path) -> Optional[pathlib.Path]:
    """Our CPU above the iterative baseline beside the book's 3rd-edition column."""
    runs = sorted([r for r in document.runs if "row" in r.extra], key=lambda r: r.extra["row"])
    base = next((server_cpu(r) for r in runs if r.extra["row"] == 0), None)
    if not runs or base is None:
        return None
    labels = [f"{r.extra['row']}: {r.extra.get('design', r.name)}" for r in runs]
    ours = [(server_cpu(r) or 0) - base for r in runs]
    book = [float(r.extra.get("third_edition", "nan").replace("–", "nan")) for r in runs]
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.5), sharey=True, layout="constrained")
    axes[0].barh(labels, ours, color=[colour(r.architecture) for r in runs])
    axes[0].set_xlabel("archbench: server CPU s above iterative")
    axes[1].barh(labels, book, color="grey")
    for axis, values in zip(axes, (ours, book)):
        for y, value in enumerate(values):
            axis.text(value if value == value else 0, y, f" {value:.2f}" if value == value
                      else " –", va="center", fontsize=8)
    axes[1].set_xlabel("UNP 3rd ed.: CPU s above iterative")
    for axis in axes:
        axis.grid(True, axis="x", alpha=0.3)
        axis.tick_params(axis="y", labelsize=8)
    axes[0].invert_yaxis()
    _suptitle(fig, _title(document, "design alternatives (compare ratios, not seconds)"))
    return _save(fig, out / "stevens_cpu.png")


CHARTS = (headline, throughput_vs_connections, latency_percentiles, cpu_per_request,
          memory_per_connection, timer_lateness, stevens_cpu)
