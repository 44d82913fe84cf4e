"""Cold start of each function, as a ratio to a bare functions-framework function.

For every target in the route table, and for the baseline in ``bench/baseline/main.py`` (one
Firestore read), start a fresh ``functions-framework`` process against the Firestore emulator and
time process start → first successful response. Runs are interleaved (baseline, f1, f2, …,
baseline, …) so that noise from the shared machine hits every column alike; the table reports
medians and the ratio to the baseline's median. A ratio near 1.0 means the function's own code
adds little to what any function that touches Firestore pays.

    make bench            # or: .venv/bin/python -m bench.cold_start --runs 7
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from functions.routes import ROUTES
from shared.platform.routing import Route

REPO_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_FRAMEWORK = str(Path(sys.executable).with_name("functions-framework"))


@dataclass(frozen=True)
class Subject:
    name: str
    source: Path
    target: str
    method: str
    path: str
    body: bytes | None


def subjects() -> list[Subject]:
    baseline = Subject(
        "baseline (ff + 1 Firestore read)",
        REPO_ROOT / "bench/baseline/main.py",
        "baseline",
        "GET",
        "/",
        None,
    )
    return [baseline] + [_subject(route) for route in ROUTES]


def _subject(route: Route) -> Subject:
    path = route.full_path
    for param in route.path_params:
        path = path.replace("{" + param + "}", "bench-probe")
    # Routes with a body get an empty object: the function must load and answer (a 4xx from its
    # own validation counts as an answer; only a refused connection or a 5xx does not).
    body = b"{}" if route.request_model else None
    return Subject(route.target, REPO_ROOT / "main.py", route.target, route.method, path, body)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def time_cold_start(subject: Subject, env: dict[str, str], timeout_s: float = 60) -> float:
    """Seconds from spawning the process to its first non-5xx answer."""
    port = free_port()
    command = [
        FUNCTIONS_FRAMEWORK,
        "--source",
        str(subject.source),
        "--target",
        subject.target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    url = f"http://127.0.0.1:{port}{subject.path}"
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while time.perf_counter() - started < timeout_s:
            if process.poll() is not None:
                raise RuntimeError(f"{subject.name} exited with {process.returncode}")
            request = urllib.request.Request(
                url,
                data=subject.body,
                method=subject.method,
                headers={"Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                time.sleep(0.005)
                continue
            if status < 500:
                return time.perf_counter() - started
            raise RuntimeError(f"{subject.name} answered {status}")
        raise RuntimeError(f"{subject.name} did not answer within {timeout_s} s")
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from dev.localcloud import start_firestore

    firestore = start_firestore(project="cpt-bench")
    try:
        env = {
            **os.environ,
            **firestore.env,
            "GOOGLE_CLOUD_PROJECT": "cpt-bench",
            "CPT_PROJECT_ID": "cpt-bench",
        }
        timings: dict[str, list[float]] = {s.name: [] for s in subjects()}
        for _ in range(args.runs):
            for subject in subjects():
                timings[subject.name].append(time_cold_start(subject, env))
    finally:
        firestore.stop()

    baseline = statistics.median(next(iter(timings.values())))
    width = max(len(name) for name in timings) + 2
    print(f"Cold start: process start -> first answer, median of {args.runs} interleaved runs")
    print(f"{'function':<{width}}{'median ms':>10}{'min ms':>9}{'max ms':>9}{'ratio':>8}")
    for name, values in timings.items():
        median = statistics.median(values)
        print(
            f"{name:<{width}}{median * 1000:>10.0f}{min(values) * 1000:>9.0f}"
            f"{max(values) * 1000:>9.0f}{median / baseline:>8.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
