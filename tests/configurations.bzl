"""The server configurations every socket-level test suite runs: one entry per architecture mode.

tests/conformance, tests/peers and tests/failures each make one set of targets per entry, named
after it (`//tests/conformance:prefork_http`, `//tests/peers:prefork_http`,
`//tests/failures:prefork`). Adding an architecture is one entry here; a suite that needs more
(extra layouts, other limits) adds those in its own BUILD.

What an entry says, and why the suites need to know it:
  arch: the architecture id; the binary is //servers/<arch>.
  args: the flags that select the mode, e.g. ["--mode", "pool"].
  pool_flag: the flag that sizes the pool of processes or threads that each hold one connection
    at a time ("--workers", "--max-procs", "--threads"), or None when the design multiplexes any
    number of connections. Each suite sizes it for its cases: conformance holds 20 connections
    open at once, the peers 8 keep-alive ones, and the failure cases want a few slots, so that
    slowloris visibly fills them.
  one_at_a_time: serves a single connection at a time (iterative): a second waits in the backlog.
  broadcast: connections share memory, so WebSocket /broadcast works (otherwise it is refused
    with 501 and a reason).
  long_lived_children: the design keeps child processes for its whole life (prefork pools,
    pass-fd workers, the reactor's manager and workers): a failure case must not cost it one.
"""

def _configuration(
        arch,
        args = [],
        pool_flag = None,
        one_at_a_time = False,
        broadcast = False,
        long_lived_children = False):
    return struct(
        arch = arch,
        args = args,
        pool_flag = pool_flag,
        one_at_a_time = one_at_a_time,
        broadcast = broadcast,
        long_lived_children = long_lived_children,
    )

# In the order of DESIGN.md: the classic architectures, then the modern reference ones.
CONFIGURATIONS = {
    "iterative": _configuration("iterative", one_at_a_time = True),
    "select_loop": _configuration("select_loop", broadcast = True),
    "prefork": _configuration("prefork", pool_flag = "--workers", long_lived_children = True),
    "fork_limited": _configuration("fork_limited", pool_flag = "--max-procs"),
    "socketpair_workers_notify": _configuration(
        "socketpair_workers",
        args = ["--mode", "notify"],
        pool_flag = "--max-procs",
    ),
    "socketpair_workers_pass_fd": _configuration(
        "socketpair_workers",
        args = ["--mode", "pass-fd"],
        pool_flag = "--workers",
        long_lived_children = True,
    ),
    "worker_pool": _configuration(
        "worker_pool",
        pool_flag = "--workers",
        long_lived_children = True,
    ),
    "event_loop": _configuration("event_loop", broadcast = True),
    "threads_per_connection": _configuration(
        "threads",
        args = ["--mode", "per-connection"],
        broadcast = True,
    ),
    "threads_pool": _configuration(
        "threads",
        args = ["--mode", "pool"],
        pool_flag = "--threads",
        broadcast = True,
    ),
    "asio": _configuration("asio", args = ["--threads", "2"], broadcast = True),
    "reactor": _configuration(
        "reactor",
        args = ["--reactors", "2", "--workers", "2", "--dispatch-mode", "2"],
        broadcast = True,
        long_lived_children = True,
    ),
}

def server_args(configuration, pool_size):
    """The configuration's flags, with its pool (if it has one) sized to `pool_size`."""
    if configuration.pool_flag == None:
        return configuration.args
    return configuration.args + [configuration.pool_flag, str(pool_size)]

def slots(configuration, pool_size):
    """Connections served at once when each holds a slot; 0 when the design multiplexes."""
    if configuration.one_at_a_time:
        return 1
    return pool_size if configuration.pool_flag != None else 0
