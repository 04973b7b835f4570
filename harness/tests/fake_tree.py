"""A process tree for the process-level fault tests: a parent and N sleeping children.

Usage: fake_tree.py [--children N] [--respawn] [--reload]
  --respawn  a child that dies is replaced (like worker_pool)
  --reload   SIGUSR1 replaces every child: the new ones are forked first, then the old ones get
             SIGTERM (like the reactor's manager, all at once instead of one by one)
Prints `READY <pid>` when the children are up; SIGTERM ends the whole tree. The parent and
every child end by themselves after 30 s, so a broken test leaves nothing behind for long.

Thread-safety: single-threaded; the signal handlers only set flags.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time

LIFETIME_S = 30.0


def fork_child() -> int:
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)
        parent = os.getppid()
        end = time.monotonic() + LIFETIME_S
        while os.getppid() == parent and time.monotonic() < end:
            time.sleep(0.05)
        os._exit(0)
    return pid


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=2)
    parser.add_argument("--respawn", action="store_true")
    parser.add_argument("--reload", action="store_true")
    args = parser.parse_args()
    flags = {"stop": False, "reload": False}
    signal.signal(signal.SIGTERM, lambda *_: flags.__setitem__("stop", True))
    signal.signal(signal.SIGUSR1, (lambda *_: flags.__setitem__("reload", True))
                  if args.reload else signal.SIG_IGN)
    children = {fork_child() for _ in range(args.children)}
    print(f"READY {os.getpid()}", flush=True)
    end = time.monotonic() + LIFETIME_S
    while not flags["stop"] and time.monotonic() < end:
        if flags["reload"]:
            flags["reload"] = False
            old, children = children, {fork_child() for _ in range(args.children)}
            for pid in old:
                os.kill(pid, signal.SIGTERM)
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            pid = 0
        if pid and pid in children:
            children.discard(pid)
            if args.respawn:
                children.add(fork_child())
        time.sleep(0.02)
    for pid in children:
        os.kill(pid, signal.SIGTERM)
    for _ in children:
        try:
            os.wait()
        except ChildProcessError:
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
