"""failures_test(): issue #8's failure cases against one architecture's server binary."""

load("@rules_cc//cc:defs.bzl", "cc_test")

def failures_test(
        arch,
        name = None,
        args = [],
        capacity = 0,
        long_lived_children = False,
        header_timeout_ms = 1000,
        size = "medium",
        tags = []):
    """A cc_test `name` (default `arch`) running every failure case against //servers/<arch>.

    Cases (one GoogleTest suite each): Disconnect (clients that leave mid-reply), MalformedStorm
    (50 connections of bad input while a good client is served), Slowloris
    (--header-timeout-ms), SlowBody (--body-timeout-ms) and KeepAlive (--keepalive-timeout-ms: idle connections closed, the
    slots they held serve others). Each case starts its own server with `--protocol P --port 0` plus
    `args`, and ends with the survival check (still running, no crash in its log, a new client
    served, no zombie, no long-lived child lost). One target per configuration, so Bazel runs
    them in parallel.

    Args:
      arch: the architecture id; the binary is //servers/<arch>.
      name: the target's name, default `arch`; set it to test a second configuration.
      args: the architecture's flags for every start, e.g. ["--workers", "4"].
      capacity: connections served at once when the design blocks a slot per connection
        (workers, pool threads, --max-procs; 1 for iterative); 0 when it multiplexes any number.
        The slowloris case predicts from it whether a good client is served during the attack
        or only after the slow connections' 408s free the slots.
      long_lived_children: the design keeps child processes for its whole life (prefork,
        worker_pool, pass-fd workers, the reactor's manager): no case may cost it one.
      header_timeout_ms: --header-timeout-ms for the slowloris case, and the body and
        keep-alive timeouts of the SlowBody and KeepAlive cases. Designs that serve a connection at a time take 20 slow
        connections in turn, so they get a shorter one.
      size: the Bazel test size.
      tags: extra tags.
    """
    cc_test(
        name = name or arch,
        size = size,
        data = ["//servers/%s" % arch],
        args = ["--arch=" + arch, "--capacity=%d" % capacity] +
               ["--header-timeout-ms=%d" % header_timeout_ms] +
               (["--long-lived-children"] if long_lived_children else []) +
               ["--server-arg=" + a for a in args],
        tags = tags + ["failures"],
        deps = ["//tests/failures:failure_cases"],
    )
