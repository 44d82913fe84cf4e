"""Child processes of the local stack that are ours (the simulators), with readiness checks."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Simulator:
    name: str
    url: str


@contextmanager
def start_tesla_simulator(port: int, redirect_uri: str) -> Iterator[Simulator]:
    """Run ``python -m simulators.tesla_fleet`` until the block ends."""
    command = [
        sys.executable, "-m", "simulators.tesla_fleet",
        "--host", "127.0.0.1", "--port", str(port),
        "--redirect-uri", redirect_uri,
    ]  # fmt: skip
    with _child(command, "tesla-simulator", f"http://127.0.0.1:{port}") as simulator:
        yield simulator


@contextmanager
def start_paypal_simulator(port: int, webhook_url: str) -> Iterator[Simulator]:
    """Run ``python -m simulators.paypal`` until the block ends; its webhooks go to us."""
    command = [
        sys.executable, "-m", "simulators.paypal",
        "--host", "127.0.0.1", "--port", str(port),
        "--webhook-url", webhook_url,
    ]  # fmt: skip
    with _child(command, "paypal-simulator", f"http://127.0.0.1:{port}") as simulator:
        yield simulator


@contextmanager
def _child(command: list[str], name: str, url: str, timeout_s: float = 20) -> Iterator[Simulator]:
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=os.environ.copy())
    try:
        _wait_ready(process, f"{url}/health", name, timeout_s)
        yield Simulator(name=name, url=url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(process: subprocess.Popen[bytes], url: str, name: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode} during start-up")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} was not ready at {url} within {timeout_s:.0f} s")
