"""The binaries the harness and the scenario targets carry in their runfiles.

A server listed here must build, or //harness:archbench and every //scenarios target fail to
build; a server NOT listed here is still used when found under --bin-dir or the workspace's
bazel-bin (see binaries.py). Add an architecture here once its //servers/<id> target builds.
"""

SERVER_TARGETS = [
    "//servers/iterative",
    "//servers/select_loop",
    "//servers/prefork",
    "//servers/fork_limited",
    "//servers/socketpair_workers",
    "//servers/worker_pool",
    "//servers/reactor",
    "//servers/event_loop",
    "//servers/threads",
    "//servers/asio",
]

LOAD_CLIENT_TARGETS = ["//clients/load"]

# Everything a harness run needs at run time.
RUN_DATA = SERVER_TARGETS + LOAD_CLIENT_TARGETS
