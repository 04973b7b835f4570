"""peer_tests(): one architecture against independent clients from Debian (see README.md)."""

def peer_tests(
        arch,
        name = None,
        args = [],
        concurrency = 8,
        broadcast = False,
        chromium = None,
        tags = []):
    """Targets `<name>_http`, `<name>_websocket`, (optionally) `<name>_chromium`, and a
    test_suite `<name>` of them.

    Each target is a py_test (Debian's /usr/bin/python3, standard library + python3-websockets)
    that starts //servers/<arch> on port 0 per test class and stops it with SIGTERM.

    Args:
      arch: the architecture id; the binary is //servers/<arch>.
      name: the suite's name, default `arch` (set it to test a second configuration).
      args: extra server flags, e.g. ["--workers", "8"].
      concurrency: connections a load peer may open at once; 1 for an architecture that
        serves one connection at a time (a second connection would wait forever).
      broadcast: the architecture shares connections, so /broadcast must work; otherwise the
        tests expect its handshake to be refused with 501 and a reason.
      chromium: add the headless Chromium /ws-demo test (default: when `broadcast`).
      tags: extra tags.
    """
    suite = name or arch
    if chromium == None:
        chromium = broadcast
    test_args = (["--arch=" + arch, "--concurrency=%d" % concurrency] +
                 (["--broadcast"] if broadcast else []) +
                 ["--server-arg=" + a for a in args])
    kinds = [
        ("http", "http_peers_test.py", ["//tests/peers:node_scripts", "//tests/peers:wrk_scripts"]),
        ("websocket", "websocket_peers_test.py", ["//tests/peers:node_scripts"]),
    ]
    if chromium:
        kinds.append(("chromium", "chromium_peer_test.py", []))
    tests = []
    for kind, src, data in kinds:
        test_name = "%s_%s" % (suite, kind)
        native.py_test(
            name = test_name,
            size = "medium",
            srcs = [src],
            main = src,
            args = test_args,
            data = ["//servers/%s" % arch] + data,
            python_version = "PY3",
            # Load peers and a browser need the machine to themselves more than unit tests do.
            tags = tags + ["peers", "cpu:2"] if kind == "chromium" else tags + ["peers"],
            deps = [
                "//harness/tests:test_support",
                "//tests/peers:peer_support",
            ],
        )
        tests.append(":" + test_name)
    native.test_suite(name = suite, tests = tests)
