"""Serve the emulator: ``python -m simulators.cloud_tasks --grpc-port 9022 --http-port 9023``.

gRPC (the official client, insecure channel) on --grpc-port; health, admin and the OIDC
certificates on --http-port. Runs until interrupted (Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from types import FrameType

from .config import CloudTasksConfig, QueueDefaults
from .emulator import CloudTasksEmulator, EmulatorStartError


def _env_list(name: str) -> list[str]:
    return [item for item in os.environ.get(name, "").split(",") if item]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m simulators.cloud_tasks", description=__doc__)
    env = os.environ.get
    parser.add_argument("--host", default=env("CLOUD_TASKS_SIM_HOST", "127.0.0.1"))
    parser.add_argument(
        "--grpc-port", type=int, default=int(env("CLOUD_TASKS_SIM_GRPC_PORT", "9022"))
    )
    parser.add_argument(
        "--http-port", type=int, default=int(env("CLOUD_TASKS_SIM_HTTP_PORT", "9023"))
    )
    parser.add_argument(
        "--queue",
        action="append",
        default=_env_list("CLOUD_TASKS_SIM_QUEUES"),
        help="full queue path to create at start (repeatable; env CLOUD_TASKS_SIM_QUEUES, "
        "comma-separated)",
    )
    parser.add_argument("--public-url", default=env("CLOUD_TASKS_SIM_PUBLIC_URL"))
    parser.add_argument("--issuer", default=env("CLOUD_TASKS_SIM_ISSUER"))
    parser.add_argument("--dedup-window", type=float, help="seconds a used task name stays taken")
    defaults = parser.add_argument_group("defaults for queues created without a value")
    defaults.add_argument("--max-dispatches-per-second", type=float)
    defaults.add_argument("--max-concurrent-dispatches", type=int)
    defaults.add_argument("--max-attempts", type=int)
    defaults.add_argument("--min-backoff", type=float, help="seconds")
    defaults.add_argument("--max-backoff", type=float, help="seconds")
    defaults.add_argument("--max-doublings", type=int)
    defaults.add_argument("--max-retry-duration", type=float, help="seconds (0: unlimited)")
    return parser.parse_args(argv)


def build_config(args: argparse.Namespace) -> CloudTasksConfig:
    queue_defaults = QueueDefaults()
    for option, field in (
        ("max_dispatches_per_second", "max_dispatches_per_second"),
        ("max_concurrent_dispatches", "max_concurrent_dispatches"),
        ("max_attempts", "max_attempts"),
        ("min_backoff", "min_backoff_seconds"),
        ("max_backoff", "max_backoff_seconds"),
        ("max_doublings", "max_doublings"),
        ("max_retry_duration", "max_retry_duration_seconds"),
    ):
        value = getattr(args, option)
        if value is not None:
            setattr(queue_defaults, field, value)
    config = CloudTasksConfig(
        host=args.host,
        grpc_port=args.grpc_port,
        http_port=args.http_port,
        public_url=args.public_url,
        queues=list(dict.fromkeys(args.queue)),
        queue_defaults=queue_defaults,
    )
    if args.issuer:
        config.oidc_issuer = args.issuer
    if args.dedup_window is not None:
        config.dedup_window_seconds = args.dedup_window
    return config


def main(argv: list[str] | None = None) -> None:
    config = build_config(parse_args(argv))
    stopped = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        emulator = CloudTasksEmulator(config).start()
    except EmulatorStartError as error:
        sys.exit(f"cloud tasks emulator: {error}")
    print(
        f"cloud tasks emulator: grpc {emulator.grpc_target}, http {emulator.http_url}, "
        f"jwks {emulator.jwks_url}, queues {config.queues}",
        flush=True,
    )
    try:
        stopped.wait()
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
