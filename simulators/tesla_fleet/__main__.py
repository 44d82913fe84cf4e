"""Serve the simulator: ``python -m simulators.tesla_fleet --host 127.0.0.1 --port 9100``."""

from __future__ import annotations

import argparse
import logging
import os

from werkzeug.serving import run_simple

from .app import create_app
from .config import SimulatorConfig


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m simulators.tesla_fleet", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("TESLA_SIM_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("TESLA_SIM_PORT", "9100")))
    parser.add_argument(
        "--public-url",
        default=os.environ.get("TESLA_SIM_PUBLIC_URL"),
        help="root URL to advertise when behind a proxy (default: each request's host)",
    )
    parser.add_argument(
        "--redirect-uri",
        action="append",
        default=[u for u in os.environ.get("TESLA_SIM_REDIRECT_URIS", "").split(",") if u],
        help="extra allowed redirect URI (repeatable; env TESLA_SIM_REDIRECT_URIS, comma list)",
    )
    parser.add_argument(
        "--wake-delay",
        type=float,
        default=float(os.environ.get("TESLA_SIM_WAKE_DELAY", "15")),
        help="simulated seconds from wake_up to online",
    )
    parser.add_argument(
        "--specs-accept-user-tokens",
        action="store_true",
        default=os.environ.get("TESLA_SIM_SPECS_ACCEPT_USER_TOKENS") == "1",
        help="let user tokens read specs (Tesla documents a partner token only)",
    )
    parser.add_argument(
        "--access-log",
        action="store_true",
        default=os.environ.get("TESLA_SIM_ACCESS_LOG") == "1",
        help="print werkzeug's line per request (off: the ledger records every call)",
    )
    args = parser.parse_args(argv)
    if not args.access_log:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    config = SimulatorConfig(
        public_url=args.public_url,
        wake_delay_seconds=args.wake_delay,
        specs_accept_user_tokens=args.specs_accept_user_tokens,
    )
    config.redirect_uris.extend(uri for uri in args.redirect_uri if uri not in config.redirect_uris)
    run_simple(args.host, args.port, create_app(config), threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
