"""A command-line tool installed in its own venv (``.venvs/<name>``) from a pinned requirements
file, built on first use and rebuilt when the requirements (or the interpreter) change.

For tools whose dependency pins clash with the main venv (checkov). The venv's stamp holds the
SHA-256 of the requirements file plus the Python version; a file lock serialises concurrent first
uses.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
VENVS = REPO_ROOT / ".venvs"
STAMP_NAME = ".requirements.sha256"
INSTALL_TIMEOUT_S = 900  # checkov pulls ~100 packages


class ToolVenvError(RuntimeError):
    """Building the venv failed; the message carries pip's error output."""


def fingerprint(requirements: Path) -> str:
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update(sys.version.encode())  # a new interpreter needs a new venv too
    return digest.hexdigest()


def ensure_tool_venv(name: str, requirements: Path, script: str, venvs: Path = VENVS) -> Path:
    """The path of ``script`` in ``venvs/name``, installing ``requirements`` there if needed."""
    venv = venvs / name
    executable = venv / "bin" / script
    stamp = venv / STAMP_NAME
    expected = fingerprint(requirements)
    venvs.mkdir(parents=True, exist_ok=True)
    with (venvs / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if executable.is_file() and stamp.is_file() and stamp.read_text().strip() == expected:
            return executable
        shutil.rmtree(venv, ignore_errors=True)  # from scratch: no stale packages
        steps = [
            [sys.executable, "-m", "venv", str(venv)],
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
             "--disable-pip-version-check", "--requirement", str(requirements)],
        ]  # fmt: skip
        for step in steps:
            result = subprocess.run(
                step, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False
            )
            if result.returncode != 0:
                shutil.rmtree(venv, ignore_errors=True)
                raise ToolVenvError(
                    f"Building {venv} failed ({' '.join(step)}):\n{result.stderr[-3000:]}"
                )
        if not executable.is_file():
            raise ToolVenvError(f"{requirements} installed no {script} into {venv}")
        stamp.write_text(expected + "\n")
        return executable


def ensure_checkov() -> Path:
    return ensure_tool_venv("checkov", REPO_ROOT / "dev" / "requirements-checkov.txt", "checkov")


if __name__ == "__main__":
    print(ensure_checkov())
