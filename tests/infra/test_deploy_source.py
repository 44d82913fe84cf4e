"""The deploy unit: exactly what `gcloud functions deploy --source=.` uploads, started the way the
Python buildpack starts it.

The upload is the repository root minus `.gcloudignore` (gitignore rules, applied with pathspec
by dev/deploy_source.py). Every function of the route table is started from a copy of it with
`functions-framework --target=T --source=main.py` (cwd = the copy, nothing of the repository on
the path), against the Firestore emulator, and must answer: /health with 200, the rest without a
5xx (they get no valid body or session, so 4xx is expected).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dev.deploy_source import REPO_ROOT, assemble, upload_files
from functions.routes import ROUTES
from shared.platform.routing import Route
from tests.fixtures.localcloud import TEST_PROJECT, LocalCloud

FUNCTIONS_FRAMEWORK = Path(sys.executable).parent / "functions-framework"
START_TIMEOUT_S = 45.0
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def test_upload_holds_the_deploy_unit_and_nothing_else() -> None:
    files = upload_files()
    tops = {path.split("/", 1)[0] for path in files}
    assert {"main.py", "functions", "shared", "config", "requirements.txt"} <= tops
    for excluded in ("tests", "dev", "simulators", "infra", "docs", "bench", ".git", ".venv"):
        assert excluded not in tops, excluded
    assert not [p for p in files if "__pycache__" in p or p.endswith(".pyc")]
    assert tops <= {"main.py", "functions", "shared", "config", "requirements.txt"}, tops


def test_gcloudignore_stays_within_what_terraform_can_mirror() -> None:
    """infra/storage.tf turns each line into unanchored excludes; that equals gitignore rules
    only for lines without negation and without an inner slash."""
    for line in (REPO_ROOT / ".gcloudignore").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            assert not line.startswith("!"), line
            assert "/" not in line.strip("/"), line


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _request(route: Route, port: int) -> tuple[int, bytes]:
    path = re.sub(r"\{session_id\}", "A" * 43, route.full_path)
    path = re.sub(r"\{\w+\}", "1", path)
    body = json.dumps({}).encode() if route.method == "POST" else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body,
        method=route.method,
        headers={"Content-Type": "application/json"} if body else {},
    )
    try:
        with _opener.open(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def deployed_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("upload")
    assemble(copy)
    return copy


@pytest.fixture(scope="module")
def running_functions(
    deployed_copy: Path, local_cloud: LocalCloud
) -> Iterator[dict[str, tuple[int, subprocess.Popen[bytes], Path]]]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CPT_") and key != "PYTHONPATH"
    }
    env |= local_cloud.env
    env |= {
        "GOOGLE_CLOUD_PROJECT": TEST_PROJECT,
        "CPT_ENVIRONMENT": "local",
        "CPT_PROJECT_ID": TEST_PROJECT,
        "PYTHONUNBUFFERED": "1",
    }
    started: dict[str, tuple[int, subprocess.Popen[bytes], Path]] = {}
    try:
        for route in ROUTES:
            port = _free_port()
            log = deployed_copy.parent / f"{route.function_name}.log"
            with log.open("wb") as output:
                process = subprocess.Popen(
                    [str(FUNCTIONS_FRAMEWORK), f"--target={route.target}",
                     "--source=main.py", "--host=127.0.0.1", f"--port={port}"],
                    cwd=deployed_copy, env=env, stdout=output, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL, start_new_session=True,
                )  # fmt: skip
            started[route.target] = (port, process, log)
        yield started
    finally:
        for _, process, _ in started.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process, _ in started.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


def _first_answer(route: Route, port: int, process: subprocess.Popen[bytes], log: Path):
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            return None, f"exited with {process.returncode}:\n{log.read_text()[-2000:]}"
        try:
            return _request(route, port), ""
        except (ConnectionError, urllib.error.URLError, TimeoutError):
            if time.monotonic() > deadline:
                return None, f"no answer in {START_TIMEOUT_S} s:\n{log.read_text()[-2000:]}"
            time.sleep(0.1)


def test_every_function_starts_from_the_upload_and_answers(
    running_functions: dict[str, tuple[int, subprocess.Popen[bytes], Path]],
    deployed_copy: Path,
) -> None:
    assert not (deployed_copy / "tests").exists() and (deployed_copy / "main.py").is_file()
    with ThreadPoolExecutor(max_workers=len(ROUTES)) as pool:
        answers = dict(
            zip(
                [r.target for r in ROUTES],
                pool.map(lambda r: _first_answer(r, *running_functions[r.target]), ROUTES),
                strict=True,
            )
        )
    problems = []
    for route in ROUTES:
        answer, detail = answers[route.target]
        if answer is None:
            problems.append(f"{route.function_name}: {detail}")
            continue
        status, body = answer
        if route.target == "health":
            if status != 200:
                problems.append(f"health: {status} {body[:300]!r}")
        elif status >= 500:
            problems.append(f"{route.function_name}: {status} {body[:300]!r}")
    assert not problems, "\n".join(problems)
