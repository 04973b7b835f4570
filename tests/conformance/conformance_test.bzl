"""conformance_test(): the conformance suite against one architecture's server binary."""

load("@rules_cc//cc:defs.bzl", "cc_test")

ALL_PROTOCOLS = ["echo", "eof", "length", "http", "websocket", "timer"]

def conformance_test(
        arch,
        args = [],
        concurrent = True,
        protocols = ALL_PROTOCOLS,
        size = "medium",
        tags = []):
    """One cc_test per protocol, `<arch>_<protocol>`, and a test_suite `<arch>` of them all.

    Each test starts //servers/<arch> with --protocol P --port 0 (plus `args`), runs every case
    of P as its own GoogleTest test `<P>.<group>.<case>`, then stops the server with SIGTERM.
    A target per protocol keeps each one short and lets Bazel run them in parallel.

    Args:
      arch: the architecture id; the binary is //servers/<arch>.
      args: extra server flags, e.g. ["--workers", "4"].
      concurrent: False for architectures that serve one connection at a time; cases that need
        two connections at once are then skipped (reported as skipped, not passed).
      protocols: the protocols to test (default: all six).
      size: the Bazel test size.
      tags: extra tags.
    """
    tests = []
    for protocol in protocols:
        name = "%s_%s" % (arch, protocol)
        cc_test(
            name = name,
            size = size,
            data = ["//servers/%s" % arch],
            args = ["--arch=" + arch, "--protocol=" + protocol] +
                   ([] if concurrent else ["--sequential"]) +
                   ["--server-arg=" + a for a in args],
            tags = tags + ["conformance"],
            deps = ["//tests/conformance:conformance_runner"],
        )
        tests.append(":" + name)
    native.test_suite(name = arch, tests = tests)
