"""Another revision of the repository, side by side with this one, for benches that compare.

``worktree(rev)`` checks the revision out into a temporary ``git worktree`` (removed on exit, also
after an error); ``route_table(root)`` reads that tree's route table in a fresh interpreter whose
only project path is that tree, so nothing of this tree's ``shared`` or ``functions`` leaks in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# Runs inside the other tree; reads only attributes every revision's Route has had.
_ROUTE_TABLE_SCRIPT = """
import json
from functions.routes import ROUTES
print(json.dumps([
    [r.target, r.method, r.full_path, list(r.path_params), r.request_model is not None]
    for r in ROUTES
]))
"""


@dataclass(frozen=True)
class RouteInfo:
    target: str
    method: str
    full_path: str
    path_params: tuple[str, ...]
    has_body: bool


def tree_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a process of one tree: no PYTHONPATH, so its cwd/source decides."""
    env = dict(os.environ if base is None else base)
    env.pop("PYTHONPATH", None)
    return env


def route_table(root: Path) -> list[RouteInfo]:
    """The route table of the tree at ``root``, read by that tree's own code."""
    result = subprocess.run(
        [sys.executable, "-c", _ROUTE_TABLE_SCRIPT],
        cwd=root,
        env=tree_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"cannot read the route table of {root}:\n{result.stderr[-2000:]}")
    return [
        RouteInfo(target, method, path, tuple(params), has_body)
        for target, method, path, params, has_body in json.loads(result.stdout)
    ]


def resolve(rev: str) -> str:
    """The full commit id of ``rev`` (fails clearly on an unknown revision)."""
    return _git("rev-parse", "--verify", f"{rev}^{{commit}}").strip()


@contextmanager
def worktree(rev: str) -> Iterator[Path]:
    """``rev`` checked out (detached) in a temporary directory; the worktree is removed after."""
    commit = resolve(rev)
    parent = Path(tempfile.mkdtemp(prefix="cpt-bench-tree-"))
    path = parent / commit[:12]
    _git("worktree", "add", "--detach", "--quiet", str(path), commit)
    try:
        yield path
    finally:
        _git("worktree", "remove", "--force", str(path))
        parent.rmdir()


def _git(*args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False, timeout=120
    )
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout
