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
        for name in ("firestore", "gcs", "tasks", "stripe", "tesla-simulator", "paypal-simulator"):
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


def _get_when_up(url: str) -> requests.Response:
    deadline = time.monotonic() + 10
    while True:
        try:
            return requests.get(url, timeout=10)
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
