"""Serve the simulator: ``python -m simulators.paypal --host 127.0.0.1 --port 9200``."""

from __future__ import annotations

import argparse
import os

from werkzeug.serving import run_simple

from .app import create_app
from .config import DELIVERY_MODES, PayPalSimulatorConfig


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m simulators.paypal", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("PAYPAL_SIM_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PAYPAL_SIM_PORT", "9200")))
    parser.add_argument(
        "--public-url",
        default=os.environ.get("PAYPAL_SIM_PUBLIC_URL"),
        help="root URL to advertise in links when behind a proxy (default: each request's host)",
    )
    parser.add_argument(
        "--webhook-url",
        action="append",
        default=[u for u in os.environ.get("PAYPAL_SIM_WEBHOOK_URLS", "").split(",") if u],
        help="where webhook WH-LOCAL delivers (repeatable; env PAYPAL_SIM_WEBHOOK_URLS)",
    )
    parser.add_argument(
        "--webhook-delivery",
        choices=DELIVERY_MODES,
        default=os.environ.get("PAYPAL_SIM_WEBHOOK_DELIVERY", "background"),
    )
    parser.add_argument("--client-id", default=os.environ.get("PAYPAL_SIM_CLIENT_ID"))
    parser.add_argument("--client-secret", default=os.environ.get("PAYPAL_SIM_CLIENT_SECRET"))
    args = parser.parse_args(argv)
    config = PayPalSimulatorConfig(
        public_url=args.public_url,
        webhook_urls=list(dict.fromkeys(args.webhook_url)),
        webhook_delivery=args.webhook_delivery,
    )
    if args.client_id:
        config.client_id = args.client_id
    if args.client_secret:
        config.client_secret = args.client_secret
    run_simple(args.host, args.port, create_app(config), threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
