"""Finding the server and client binaries: runfiles first, then a bin dir, then bazel-bin.

Under `bazel run`, the harness's data dependencies (the servers listed in harness/available.bzl
and the load client) sit in its runfiles tree. A binary that is not a data dependency yet (an
architecture that landed after the list was updated) can still be used by pointing `--bin-dir`
at a bazel-bin directory, and the workspace's own `bazel-bin` is tried last. A binary found
nowhere makes its architecture "not built": listed and skipped, never an error.

Thread-safety: BinaryFinder is immutable after construction; its methods only stat files.
"""
from __future__ import annotations

import os
import pathlib
import shutil
from dataclasses import dataclass, field
from typing import Optional

from harness.registry import Architecture

WORKSPACE_NAME = "archbench"
LOAD_CLIENT_PACKAGE = "clients/load"
LOAD_CLIENT_NAME = "load"
NGINX_PATHS = ("/usr/sbin/nginx", "/usr/bin/nginx")


def _runfiles_roots() -> list[pathlib.Path]:
    """Candidate runfiles roots of the main repository, most specific first."""
    roots: list[pathlib.Path] = []
    for variable in ("RUNFILES_DIR", "TEST_SRCDIR"):
        value = os.environ.get(variable)
        if value:
            roots.append(pathlib.Path(value) / WORKSPACE_NAME)
    # This file is <root>/harness/binaries.py in runfiles (a symlink: not resolved, so the
    # runfiles root is found) and in the source tree.
    for here in (pathlib.Path(__file__).absolute(), pathlib.Path(__file__).resolve()):
        if here.parent.parent not in roots:
            roots.append(here.parent.parent)
    return roots


@dataclass(frozen=True)
class BinaryFinder:
    """Looks a package/name pair up in runfiles, then the given bin dirs."""

    bin_dirs: tuple[pathlib.Path, ...] = field(default_factory=tuple)
    use_runfiles: bool = True

    @staticmethod
    def from_environment(bin_dir: Optional[str] = None) -> "BinaryFinder":
        """Runfiles, then `bin_dir` (or $ARCHBENCH_BIN_DIR), then <workspace>/bazel-bin."""
        dirs: list[pathlib.Path] = []
        for candidate in (bin_dir, os.environ.get("ARCHBENCH_BIN_DIR")):
            if candidate:
                dirs.append(pathlib.Path(candidate))
        workspace = os.environ.get("BUILD_WORKSPACE_DIRECTORY")
        if workspace:
            dirs.append(pathlib.Path(workspace) / "bazel-bin")
        return BinaryFinder(bin_dirs=tuple(dirs))

    def find(self, package: str, name: str) -> Optional[pathlib.Path]:
        """The executable <package>/<name>, or None when it is built nowhere we look."""
        roots: list[pathlib.Path] = _runfiles_roots() if self.use_runfiles else []
        roots.extend(self.bin_dirs)
        for root in roots:
            path = root / package / name
            if path.is_file() and os.access(path, os.X_OK):
                return path
        return None

    def server(self, arch: Architecture) -> Optional[pathlib.Path]:
        """The server binary of `arch`; nginx comes from the system."""
        if arch.reference:
            return nginx_binary()
        return self.find(arch.package, arch.binary_name)

    def load_client(self) -> Optional[pathlib.Path]:
        """//clients/load:load, or None when it is not built."""
        return self.find(LOAD_CLIENT_PACKAGE, LOAD_CLIENT_NAME)


def nginx_binary() -> Optional[pathlib.Path]:
    """Debian's nginx, when installed."""
    for path in NGINX_PATHS:
        if os.access(path, os.X_OK):
            return pathlib.Path(path)
    found = shutil.which("nginx")
    return pathlib.Path(found) if found else None


def workspace_dir() -> pathlib.Path:
    """Where results go: the workspace under `bazel run`, else the current directory."""
    return pathlib.Path(os.environ.get("BUILD_WORKSPACE_DIRECTORY") or os.getcwd())
