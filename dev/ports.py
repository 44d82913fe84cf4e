"""Is a local port free, and if not, who holds it — said in one line a person can act on.

The probe binds the way servers bind (``SO_REUSEADDR``), so connections of a stack that just
stopped, still in TIME_WAIT, do not block a restart; and it also tries to connect, because a
server bound with ``SO_REUSEPORT`` (gRPC does) would let a second bind succeed silently.
"""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path

LOOPBACK = "127.0.0.1"

# The variable that moves each service of `make up` to another port.
PORT_VARIABLES = {
    "gateway": "CPT_GATEWAY_PORT",
    "tesla-simulator": "CPT_TESLA_SIM_PORT",
    "paypal-simulator": "CPT_PAYPAL_SIM_PORT",
    "firestore": "CPT_FIRESTORE_PORT",
    "gcs": "CPT_GCS_PORT",
    "tasks": "CPT_TASKS_PORT",
    "tasks_http": "CPT_TASKS_HTTP_PORT",
    "stripe": "CPT_STRIPE_PORT",
    "web app": "CPT_WUI_PORT",
}


class PortTaken(Exception):
    """A port a service needs is in use; the message is the one line to print."""


def is_free(port: int, host: str = LOOPBACK) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        if probe.connect_ex((host, port)) == 0:
            return False  # something is listening
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def require_free(port: int, service: str) -> None:
    """Raise ``PortTaken`` naming the service, the holder (when the machine can tell) and the
    variable to change."""
    if is_free(port):
        return
    holder = holder_of(port)
    variable = PORT_VARIABLES.get(service)
    move = f"; set {variable} to use another port" if variable else ""
    raise PortTaken(
        f"{service} needs port {port}, which is in use"
        + (f" by {holder}" if holder else "")
        + move
        + "."
    )


def holder_of(port: int) -> str | None:
    """``pid 123 (name)`` of a process listening on ``port``, read from /proc (Linux)."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (proc / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    name = (proc / "comm").read_text().strip()
                    return f"pid {proc.name} ({name})"
    return "another process"


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A = LISTEN
                    inodes.add(inode)
    return inodes
