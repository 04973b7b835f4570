"""scenario_binary(name): a `bazel run` target for scenarios/<name>.json.

Each target is the harness itself with `scenario <name>` as its first arguments, the scenario
files and every built server (harness/available.bzl) in its runfiles.
"""

load("//harness:available.bzl", "RUN_DATA")

def scenario_binary(name):
    native.py_binary(
        name = name,
        srcs = ["run_scenario.py"],
        main = "run_scenario.py",
        args = ["scenario", name],
        data = RUN_DATA + [":scenario_files"],
        python_version = "PY3",
        deps = ["//harness:harness_lib"],
    )
