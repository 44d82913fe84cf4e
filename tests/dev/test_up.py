"""The README's first command, end to end: ``python -m dev.up`` starts, serves, and stops clean."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
PORT_VARIABLES = (
    "CPT_GATEWAY_PORT",
    "CPT_TESLA_SIM_PORT",
    "CPT_PAYPAL_SIM_PORT",
    "CPT_FIRESTORE_PORT",
    "CPT_GCS_PORT",
    "CPT_TASKS_PORT",
    "CPT_TASKS_HTTP_PORT",
    "CPT_STRIPE_PORT",
)


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _processes_mentioning(ports: list[int]) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if any(
            f"{port}" in cmdline.split(" ") or f"={port}" in cmdline or f":{port}" in cmdline
            for port in ports
        ):
            found.append(cmdline)
    return found


def test_up_starts_every_service_serves_the_api_and_ctrl_c_stops_everything():
    ports = dict(zip(PORT_VARIABLES, _free_ports(len(PORT_VARIABLES)), strict=True))
    env = {**os.environ, **{name: str(port) for name, port in ports.items()}}
    process = subprocess.Popen(
        [sys.executable, "-m", "dev.up"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own group, like a terminal's foreground job
    )
    output: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            output.append(line)
            if "Ctrl-C stops everything" in line:
                break
        printed = "".join(output)
        assert "Ctrl-C stops everything" in printed, printed
        for name in ("firestore", "gcs", "tasks", "tasks-http", "stripe", "tesla-simulator",
                     "paypal-simulator"):  # fmt: skip
            assert name in printed
        for port in ports.values():
            assert f":{port}" in printed  # every service printed with its URL

        api = f"http://127.0.0.1:{ports['CPT_GATEWAY_PORT']}/api/v1"
        health = _get_when_up(f"{api}/health")
        assert health.status_code == 200 and health.json()["checks"]["firestore"]["ok"]
        assert requests.get(f"{api}/openapi.json", timeout=5).json()["openapi"] == "3.1.0"
        sim = f"http://127.0.0.1:{ports['CPT_TESLA_SIM_PORT']}"
        accounts = requests.get(f"{sim}/admin/accounts", timeout=5).json()
        assert accounts  # the demo accounts are there
        tasks = f"http://127.0.0.1:{ports['CPT_TASKS_HTTP_PORT']}"
        assert requests.get(f"{tasks}/health", timeout=5).json() == {"status": "ok"}
        (queue,) = requests.get(f"{tasks}/admin/queues", timeout=5).json()["queues"]
        assert queue["retry_config"] == {  # infra/tasks.tf's, not a test-speed one
            "max_attempts": 6, "max_backoff": "300s", "max_doublings": 4,
            "max_retry_duration": "3600s", "min_backoff": "10s",
        }  # fmt: skip
    finally:
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    assert process.returncode == 0
    time.sleep(0.5)
    assert _processes_mentioning(list(ports.values())) == []
    for name in ("CPT_TASKS_PORT", "CPT_TASKS_HTTP_PORT"):  # the tasks emulator's both ports
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", ports[name]))


def _get_when_up(url: str) -> requests.Response:
    deadline = time.monotonic() + 10
    while True:
        try:
            return requests.get(url, timeout=10)
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _start_up(env: dict[str, str]) -> tuple[subprocess.Popen[str], float, str]:
    """Start ``dev.up``; return it, the seconds until it said it is ready, and what it printed."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "dev.up"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []
    deadline = started + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line)
        if "Ctrl-C stops everything" in line:
            break
    return process, time.monotonic() - started, "".join(output)


def _stop(process: subprocess.Popen[str], signum: signal.Signals) -> None:
    os.killpg(process.pid, signum)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise


def _all_free_within(ports: list[int], seconds: float) -> bool:
    from dev.ports import is_free

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(is_free(port) for port in ports) and not _processes_mentioning(ports):
            return True
        time.sleep(0.1)
    return False


def test_up_restarts_at_once_on_the_same_ports_and_sigterm_stops_everything():
    ports = dict(zip(PORT_VARIABLES, _free_ports(len(PORT_VARIABLES)), strict=True))
    env = {**os.environ, **{name: str(port) for name, port in ports.items()}}
    api = f"http://127.0.0.1:{ports['CPT_GATEWAY_PORT']}/api/v1"

    first, first_s, printed = _start_up(env)
    try:
        assert "Ctrl-C stops everything" in printed, printed
        # Leave connections behind (TIME_WAIT) the way a browser or curl does.
        assert _get_when_up(f"{api}/health").status_code == 200
    finally:
        _stop(first, signal.SIGINT)
    assert first.returncode == 0

    second, second_s, printed = _start_up(env)  # at once, same ports
    try:
        assert "Ctrl-C stops everything" in printed, printed
        assert _get_when_up(f"{api}/health").status_code == 200
    finally:
        _stop(second, signal.SIGTERM)  # an IDE's stop button, `kill`, a container runtime
    assert second.returncode == 0
    assert second_s < max(2 * first_s, first_s + 10), (first_s, second_s)
    assert _all_free_within(list(ports.values()), 5), _processes_mentioning(list(ports.values()))


def test_a_taken_port_is_one_clear_line_naming_the_service_and_the_variable():
    ports = dict(zip(PORT_VARIABLES, _free_ports(len(PORT_VARIABLES)), strict=True))
    env = {**os.environ, **{name: str(port) for name, port in ports.items()}}
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", ports["CPT_GCS_PORT"]))
        squatter.listen()
        result = subprocess.run(
            [sys.executable, "-m", "dev.up"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert f"gcs needs port {ports['CPT_GCS_PORT']}" in line
    assert f"pid {os.getpid()}" in line  # who holds it
    assert "CPT_GCS_PORT" in line
    assert _all_free_within([p for v, p in ports.items() if v != "CPT_GCS_PORT"], 5)
