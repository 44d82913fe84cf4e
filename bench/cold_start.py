"""Cold start of each function, as a ratio to a bare functions-framework function.

For every target in the route table, and for the baseline in ``bench/baseline/main.py`` (one
Firestore read), start a fresh ``functions-framework`` process against the Firestore emulator and
time process start → first successful response. Runs are interleaved (baseline, f1, f2, …,
baseline, …) so that noise from the shared machine hits every column alike; the table reports
medians and the ratio to the baseline's median. A ratio near 1.0 means the function's own code
adds little to what any function that touches Firestore pays.

``--against REV`` compares with another revision: REV is checked out into a temporary git
worktree, and every function of both trees is measured in the same run, interleaved (function by
function, the two trees alternating which goes first), each started from its own tree, against the
one baseline. The table gives each function's ratio now, its ratio at REV, and now/then.

    make bench            # or: .venv/bin/python -m bench.cold_start --runs 7
    .venv/bin/python -m bench.cold_start --against 92c9aad --runs 5
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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.trees import RouteInfo, route_table, tree_env, worktree
from functions.routes import ROUTES

REPO_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_FRAMEWORK = str(Path(sys.executable).with_name("functions-framework"))
BASELINE_NAME = "baseline (ff + 1 Firestore read)"


@dataclass(frozen=True)
class Subject:
    name: str
    source: Path
    target: str
    method: str
    path: str
    body: bytes | None
    root: Path = REPO_ROOT  # the process's working directory: the tree it belongs to


def baseline_subject() -> Subject:
    return Subject(
        BASELINE_NAME, REPO_ROOT / "bench/baseline/main.py", "baseline", "GET", "/", None
    )


def subjects() -> list[Subject]:
    routes = [
        RouteInfo(r.target, r.method, r.full_path, r.path_params, r.request_model is not None)
        for r in ROUTES
    ]
    return [baseline_subject()] + [_subject(route, REPO_ROOT) for route in routes]


def tree_subjects(root: Path) -> list[Subject]:
    """Every function of the tree at ``root``, started from that tree's main.py."""
    return [_subject(route, root) for route in route_table(root)]


def _subject(route: RouteInfo, root: Path) -> Subject:
    path = route.full_path
    for param in route.path_params:
        path = path.replace("{" + param + "}", "bench-probe")
    # Routes with a body get an empty object: the function must load and answer (a 4xx from its
    # own validation counts as an answer; only a refused connection or a 5xx does not).
    body = b"{}" if route.has_body else None
    return Subject(route.target, root / "main.py", route.target, route.method, path, body, root)


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
        command, cwd=subject.root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
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


@contextmanager
def firestore_env() -> Iterator[dict[str, str]]:
    """The Firestore emulator, and the environment every subject runs with."""
    from dev.localcloud import start_firestore

    firestore = start_firestore(project="cpt-bench")
    try:
        # No PYTHONPATH: each subject imports the tree of its source, nothing else.
        yield tree_env(
            {
                **os.environ,
                **firestore.env,
                "GOOGLE_CLOUD_PROJECT": "cpt-bench",
                "CPT_PROJECT_ID": "cpt-bench",
            }
        )
    finally:
        firestore.stop()


def measure(runs: int) -> int:
    with firestore_env() as env:
        timings: dict[str, list[float]] = {s.name: [] for s in subjects()}
        for _ in range(runs):
            for subject in subjects():
                timings[subject.name].append(time_cold_start(subject, env))

    baseline = statistics.median(next(iter(timings.values())))
    width = max(len(name) for name in timings) + 2
    print(f"Cold start: process start -> first answer, median of {runs} interleaved runs")
    print(f"{'function':<{width}}{'median ms':>10}{'min ms':>9}{'max ms':>9}{'ratio':>8}")
    for name, values in timings.items():
        median = statistics.median(values)
        print(
            f"{name:<{width}}{median * 1000:>10.0f}{min(values) * 1000:>9.0f}"
            f"{max(values) * 1000:>9.0f}{median / baseline:>8.2f}"
        )
    return 0


@dataclass
class Comparison:
    """Timings of the functions of two trees ("now" and "then") and of the one baseline."""

    baseline: list[float]
    now: dict[str, list[float]]
    then: dict[str, list[float]]
    failures: dict[tuple[str, str], str]  # (tree, function) -> why it could not be timed


def compare(rev: str, runs: int) -> Comparison:
    with worktree(rev) as then_root, firestore_env() as env:
        trees = {"now": tree_subjects(REPO_ROOT), "then": tree_subjects(then_root)}
        by_name = {tree: {s.name: s for s in listed} for tree, listed in trees.items()}
        names = list(dict.fromkeys(s.name for listed in trees.values() for s in listed))
        result = Comparison([], {}, {}, {})
        for run in range(runs):
            result.baseline.append(time_cold_start(baseline_subject(), env))
            # Alternate which tree goes first, so that neither always follows the other.
            order = ("now", "then") if run % 2 == 0 else ("then", "now")
            for name in names:
                for tree in order:
                    subject = by_name[tree].get(name)
                    if subject is not None and (tree, name) not in result.failures:
                        _time_into(result, tree, subject, env)
    return result


def _time_into(result: Comparison, tree: str, subject: Subject, env: dict[str, str]) -> None:
    timings = result.now if tree == "now" else result.then
    try:
        timings.setdefault(subject.name, []).append(time_cold_start(subject, env))
    except RuntimeError as error:  # one function that cannot start must not void the whole run
        result.failures[(tree, subject.name)] = str(error)
        timings.pop(subject.name, None)


def print_comparison(result: Comparison, rev: str, runs: int) -> None:
    baseline = statistics.median(result.baseline)
    names = list(dict.fromkeys([*result.now, *result.then, *(n for _, n in result.failures)]))
    width = max(len(name) for name in names) + 2
    print(
        f"Cold start vs {rev}: process start -> first answer, median of {runs} interleaved runs; "
        f"ratio = median / baseline median ({baseline * 1000:.0f} ms)"
    )
    print(
        f"{'function':<{width}}{'now ms':>8}{'ratio now':>11}{f'{rev} ms':>{len(rev) + 5}}"
        f"{f'ratio at {rev}':>{max(len(rev) + 10, 11)}}{'now/then':>10}"
    )
    for name in names:
        now, then = _cell(result, "now", name), _cell(result, "then", name)
        change = _change(result, name)
        print(
            f"{name:<{width}}{now[0]:>8}{now[1]:>11}{then[0]:>{len(rev) + 5}}"
            f"{then[1]:>{max(len(rev) + 10, 11)}}{change:>10}"
        )
    for (tree, name), error in result.failures.items():
        print(f"{name} ({tree}): {error}")


def _change(result: Comparison, name: str) -> str:
    """now/then of the medians; or whether the function is new, removed, or failed to start."""
    if name in result.now and name in result.then:
        return f"{statistics.median(result.now[name]) / statistics.median(result.then[name]):.2f}"
    if any(key[1] == name for key in result.failures):
        return "-"
    return "new" if name in result.now else "removed"


def _cell(result: Comparison, tree: str, name: str) -> tuple[str, str]:
    """(median ms, ratio) of one function in one tree, or why there is none."""
    timings = result.now if tree == "now" else result.then
    if (tree, name) in result.failures:
        return "failed", "failed"
    if name not in timings:
        return "-", "absent"
    median = statistics.median(timings[name])
    return f"{median * 1000:.0f}", f"{median / statistics.median(result.baseline):.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--against",
        metavar="REV",
        help="also measure the functions of this git revision (temporary worktree), interleaved",
    )
    args = parser.parse_args()
    if args.against is None:
        return measure(args.runs)
    result = compare(args.against, args.runs)
    print_comparison(result, args.against, args.runs)
    return 1 if result.failures else 0


if __name__ == "__main__":
    sys.exit(main())
