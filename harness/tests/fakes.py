"""Builds a fake bazel-bin for the harness's tests: wrapper scripts that start fake_server.py
(in a chosen mode) under an architecture's binary path, and fake_load.py as the load client.

Thread-safety: plain file creation; call from the test's thread.
"""
from __future__ import annotations

import pathlib
import sys

from harness import registry
from harness.binaries import BinaryFinder

HERE = pathlib.Path(__file__).absolute().parent


def _script(path: pathlib.Path, target: pathlib.Path, *fixed: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    args = " ".join(fixed)
    path.write_text(f'#!/bin/sh\nexec {sys.executable} {target} {args} "$@"\n')
    path.chmod(0o755)


def make_bin_dir(root: pathlib.Path, servers: dict[str, str], load: bool = True) -> BinaryFinder:
    """A finder over `root` where each architecture id runs fake_server.py in the given mode."""
    for arch_id, mode in servers.items():
        arch = registry.architecture(arch_id)
        _script(root / arch.package / arch.binary_name, HERE / "fake_server.py", mode)
    if load:
        _script(root / "clients" / "load" / "load", HERE / "fake_load.py")
    return BinaryFinder(bin_dirs=(root,), use_runfiles=False)
