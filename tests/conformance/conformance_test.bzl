"""conformance_test(): the conformance suite against one architecture's server binary."""

load("@rules_cc//cc:defs.bzl", "cc_test")

ALL_PROTOCOLS = ["echo", "eof", "length", "http", "websocket", "timer"]

def conformance_test(
        arch,
        name = None,
        args = [],
        runner_args = [],
        concurrent = True,
        protocols = ALL_PROTOCOLS,
        size = "medium",
        tags = []):
    """One cc_test per protocol, `<name>_<protocol>`, and a test_suite `<name>` of them all.

    Each test starts //servers/<arch> with --protocol P --port 0 (plus `args`), runs every case
    of P as its own GoogleTest test `<P>.<group>.<case>`, then stops the server with SIGTERM.
    A target per protocol keeps each one short and lets Bazel run them in parallel.

    Args:
      arch: the architecture id; the binary is //servers/<arch>.
      name: the suite's name, default `arch`; set it to test one architecture in several
        configurations (e.g. name = "threads_pool", args = ["--mode", "pool"]).
      args: extra server flags, e.g. ["--workers", "4"].
      runner_args: flags for the test runner itself, e.g. ["--package-eof=|"] or
        ["--package-max-length=65536"] (the runner passes the limits on to the server).
      concurrent: False for architectures that serve one connection at a time; cases that need
        two connections at once are then skipped (reported as skipped, not passed). A concurrent
        configuration must serve at least 21 connections at once (echo.concurrency opens 20
        while another case's connection may still be closing): give process- or thread-limited
        architectures enough workers in `args`.
      protocols: the protocols to test (default: all six).
      size: the Bazel test size.
      tags: extra tags.
    """
    suite = name or arch
    tests = []
    for protocol in protocols:
        test_name = "%s_%s" % (suite, protocol)
        cc_test(
            name = test_name,
            size = size,
            data = ["//servers/%s" % arch],
            args = ["--arch=" + arch, "--protocol=" + protocol] +
                   ([] if concurrent else ["--sequential"]) +
                   ["--server-arg=" + a for a in args] + runner_args,
            tags = tags + ["conformance"],
            deps = ["//tests/conformance:conformance_runner"],
        )
        tests.append(":" + test_name)
    native.test_suite(name = suite, tests = tests)
