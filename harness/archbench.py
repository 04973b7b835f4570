"""archbench: the harness command line (`bazel run //harness:archbench -- <command>`).

  run --arch A --protocol P [load flags]   one run (repeatable), printed and optionally saved
  scenario NAME [--out DIR] [--repeat K]  a named scenario -> results/<NAME>/results.{json,csv,md}
  list                                    architectures (built or not), protocols, scenarios
  explain ARCH                            the architecture's teaching page (docs/<ARCH>.md)

Exit status: 0 when the command completed (runs may still have verdicts other than ok; use
--strict to fail on them), 2 for bad usage, 3 when nothing could run (load client not built).

Thread-safety: a command-line entry point; single-threaded except what the runner starts.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import shlex
import sys
import tempfile
from dataclasses import asdict
from typing import Optional

from harness import markdown_report, registry
from harness.binaries import BinaryFinder, workspace_dir
from harness.load_client import LoadSpec
from harness.runner import RunOptions
from harness.scenario import (FAULTS, PROTOCOL_LOAD_DEFAULTS, RunSpec, Scenario, load_scenario,
                              scenario_names)
from harness.scenario_runner import ScenarioOptions, run_scenario

# (flag, LoadSpec field, type, help) for `run`.
LOAD_FLAGS: tuple[tuple[str, str, type, str], ...] = (
    ("--connections", "connections", int, "concurrent connections"),
    ("--threads", "threads", int, "client threads"),
    ("--duration", "duration_s", float, "seconds of measured load"),
    ("--requests", "requests", int, "stop after N requests instead"),
    ("--warmup", "warmup_s", float, "seconds of warm-up before measuring"),
    ("--timeout", "timeout_ms", int, "per-request timeout in ms"),
    ("--message-size", "message_size", int, "bytes per message"),
    ("--path", "path", str, "HTTP/WebSocket path"),
    ("--method", "method", str, "HTTP method"),
    ("--body-size", "body_size", int, "HTTP request body bytes"),
    ("--pipeline", "pipeline", int, "pipelining depth"),
    ("--timer-ms", "timer_ms", int, "timer protocol interval"),
    ("--rate", "rate", float, "open-loop requests per second"),
    ("--processes", "processes", int, "parallel load client processes"),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="archbench", description=__doc__.split("\n\n")[0])
    # Every command takes --bin-dir after its name (scenario targets put `scenario NAME` first).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--bin-dir", help="a bazel-bin directory to find binaries in "
                        "(after runfiles; also $ARCHBENCH_BIN_DIR)")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", parents=[common], help="one architecture under one load")
    run.add_argument("--arch", required=True, choices=registry.known_ids())
    run.add_argument("--protocol", required=True, choices=registry.PROTOCOLS)
    run.add_argument("--variant", default="", help="a label for this server configuration")
    run.add_argument("--server-flags", default="", help='extra server flags, e.g. "--workers 4"')
    for flag, dest, kind, text in LOAD_FLAGS:
        run.add_argument(flag, dest=dest, type=kind, help=text)
    run.add_argument("--no-keepalive", action="store_true")
    run.add_argument("--ws-binary", action="store_true")
    run.add_argument("--idle-connections", type=int, default=0)
    run.add_argument("--fault", choices=FAULTS)
    run.add_argument("--trace", action="store_true", help="pass --trace; count connections")
    run.add_argument("--repeat", type=int, default=1)
    run.add_argument("--out", type=pathlib.Path, help="also write results.{json,csv,md} here")
    run.add_argument("--strict", action="store_true", help="exit 1 unless the verdict is ok")

    scenario = commands.add_parser("scenario", parents=[common], help="a named scenario (see list)")
    scenario.add_argument("name", help="scenario name or path to a scenario JSON file")
    scenario.add_argument("--out", type=pathlib.Path, help="default: <workspace>/results/NAME")
    scenario.add_argument("--repeat", type=int, default=1, help="K runs each; medians reported")
    scenario.add_argument("--arch", action="append", default=[], help="only these (repeatable)")
    scenario.add_argument("--protocol", action="append", default=[], help="only these")
    scenario.add_argument("--budget", type=float, help="time budget in seconds")
    scenario.add_argument("--keep-logs", action="store_true", help="keep server stderr logs")
    scenario.add_argument("--strict", action="store_true", help="exit 1 unless all runs are ok")

    commands.add_parser("list", parents=[common], help="architectures, protocols and scenarios")
    explain = commands.add_parser("explain", parents=[common], help="print docs/<ARCH>.md")
    explain.add_argument("arch", choices=registry.known_ids(False))
    return parser


def spec_from_args(args: argparse.Namespace) -> RunSpec:
    values = dict(PROTOCOL_LOAD_DEFAULTS.get(args.protocol, {}))
    values.update({dest: getattr(args, dest) for _, dest, _, _ in LOAD_FLAGS
                   if getattr(args, dest) is not None})
    if args.no_keepalive:
        values["keepalive"] = False
    if args.ws_binary:
        values["ws_binary"] = True
    return RunSpec(architecture=args.arch, protocol=args.protocol, load=LoadSpec(**values),
                   variant=args.variant, server_flags=tuple(shlex.split(args.server_flags)),
                   idle_connections=args.idle_connections, fault=args.fault, trace=args.trace)


def command_run(args: argparse.Namespace, options: RunOptions) -> int:
    spec = spec_from_args(args)
    one = Scenario(name=f"run-{spec.architecture}-{spec.protocol}",
                   description=f"archbench run {spec.title}", groups=(), explicit_runs=(spec,))
    out = args.out or pathlib.Path(tempfile.mkdtemp(prefix="archbench-run-"))
    document, written = run_scenario(one, options,
                                     ScenarioOptions(out_dir=out, repeat=args.repeat))
    if not document.runs:
        print("\n".join(document.notes), file=sys.stderr)
        return 3
    record = document.runs[0]
    print(markdown_report.main_table(document))
    print(json.dumps(asdict(record), indent=2))
    print(f"wrote {written.json_path}", file=sys.stderr)
    return 1 if args.strict and record.verdict != "ok" else 0


def command_scenario(args: argparse.Namespace, options: RunOptions) -> int:
    try:
        scenario = load_scenario(args.name)
    except (FileNotFoundError, ValueError, KeyError) as error:
        print(f"archbench: {error}", file=sys.stderr)
        return 2
    out = args.out or None
    run_options = options
    if args.keep_logs:
        logs = (out or workspace_dir() / "results" / scenario.name) / "logs"
        run_options = RunOptions(finder=options.finder, keep_logs_dir=logs)
    document, written = run_scenario(scenario, run_options, ScenarioOptions(
        out_dir=out, repeat=args.repeat, only_architectures=tuple(args.arch),
        only_protocols=tuple(args.protocol), time_budget_s=args.budget))
    print(f"wrote {written.json_path}, {written.csv_path.name}, {written.markdown_path.name}")
    for title, body in document.sections.items():
        print(f"\n## {title}\n\n{body}")
    if not document.runs:
        return 3
    bad = [r for r in document.runs if r.verdict != "ok"]
    return 1 if args.strict and bad else 0


def command_list(finder: BinaryFinder) -> int:
    print("architectures:")
    for arch in registry.ARCHITECTURES + (registry.NGINX,):
        path = finder.server(arch)
        state = "built" if path else "not built"
        print(f"  {arch.id:<20} {state:<10} {arch.model} - {arch.notes}")
    load = finder.load_client()
    print(f"load client: {load if load else 'not built (//clients/load:load)'}")
    print("protocols: " + ", ".join(registry.PROTOCOLS))
    print("scenarios:")
    for name in scenario_names():
        try:
            scenario = load_scenario(name)
            print(f"  {name:<20} {len(scenario.runs()):>4} runs  {scenario.description}")
        except (ValueError, KeyError) as error:
            print(f"  {name:<20} invalid: {error}")
    return 0


def docs_path(arch_id: str) -> Optional[pathlib.Path]:
    here = pathlib.Path(__file__)
    for root in (workspace_dir(), here.absolute().parent.parent, here.resolve().parent.parent):
        path = root / "docs" / f"{arch_id}.md"
        if path.is_file():
            return path
    return None


def command_explain(arch_id: str) -> int:
    path = docs_path(arch_id)
    if path is None:
        arch = registry.architecture(arch_id)
        print(f"{arch.id}: {arch.model}\n{arch.notes}\n(docs/{arch_id}.md is not written yet)")
        return 0
    sys.stdout.write(path.read_text())
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    finder = BinaryFinder.from_environment(args.bin_dir)
    options = RunOptions(finder=finder)
    if args.command == "run":
        return command_run(args, options)
    if args.command == "scenario":
        return command_scenario(args, options)
    if args.command == "list":
        return command_list(finder)
    return command_explain(args.arch)


if __name__ == "__main__":
    sys.exit(main())
