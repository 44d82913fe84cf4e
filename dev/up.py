"""``make up``: the whole system on this machine, with no configuration.

Starts the Firestore emulator, fake-gcs-server, the Cloud Tasks emulator, localstripe, the
Tesla Fleet API simulator and the PayPal simulator, checks each for readiness, seeds demo data,
then serves every function behind one port at ``/api/v1/...``. Ctrl-C stops every child process.

Ports are overridable by environment: CPT_GATEWAY_PORT (8080), CPT_TESLA_SIM_PORT (9100),
CPT_PAYPAL_SIM_PORT (9200), CPT_FIRESTORE_PORT (8085), CPT_GCS_PORT (4443), CPT_TASKS_PORT (9022,
the Cloud Tasks emulator's gRPC API), CPT_TASKS_HTTP_PORT (9023, its health, admin API and OIDC
certificates), CPT_STRIPE_PORT (8420), CPT_WUI_PORT (5173, the reference web app, ``wui/``).
The reports queue retries and rate-limits as the cloud's does
(dev/localcloud.CLOUD_REPORTS_QUEUE mirrors infra/tasks.tf).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from contextlib import ExitStack, suppress
from types import FrameType

DEFAULT_PORTS = {
    "CPT_GATEWAY_PORT": 8080,
    "CPT_TESLA_SIM_PORT": 9100,
    "CPT_PAYPAL_SIM_PORT": 9200,
    "CPT_FIRESTORE_PORT": 8085,
    "CPT_GCS_PORT": 4443,
    "CPT_TASKS_PORT": 9022,
    "CPT_TASKS_HTTP_PORT": 9023,
    "CPT_STRIPE_PORT": 8420,
    "CPT_WUI_PORT": 5173,
}
LOCAL_PROJECT = "cpt-local"


def port(name: str) -> int:
    return int(os.environ.get(name, DEFAULT_PORTS[name]))


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    from dev.localcloud import LocalCloudError

    try:
        return _run()
    except LocalCloudError as error:
        # One line a person can act on (which service, which port, which variable), no traceback.
        print(f"make up: {error}", file=sys.stderr, flush=True)
        return 1


def _ports_we_serve_are_free() -> None:
    from dev.localcloud import ServiceStartError
    from dev.ports import PortTaken, require_free

    for service, variable in (
        ("gateway", "CPT_GATEWAY_PORT"),
        ("tesla-simulator", "CPT_TESLA_SIM_PORT"),
        ("paypal-simulator", "CPT_PAYPAL_SIM_PORT"),
    ):
        try:
            require_free(port(variable), service)
        except PortTaken as taken:
            raise ServiceStartError(str(taken)) from None


def _run() -> int:
    from dev.localcloud import LocalCloud
    from dev.processes import start_paypal_simulator, start_tesla_simulator

    # Ctrl-C must stop everything even when started from a shell that ignores SIGINT in
    # background jobs; SIGTERM (an IDE's stop button, `kill`) does the same.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    gateway_port = port("CPT_GATEWAY_PORT")
    _ports_we_serve_are_free()  # before any child starts: a taken port fails at once
    with ExitStack() as stack:
        try:
            print("Starting the local cloud …", flush=True)
            cloud = stack.enter_context(
                LocalCloud(
                    project=LOCAL_PROJECT,
                    ports={
                        "firestore": port("CPT_FIRESTORE_PORT"),
                        "gcs": port("CPT_GCS_PORT"),
                        "tasks": port("CPT_TASKS_PORT"),
                        "tasks_http": port("CPT_TASKS_HTTP_PORT"),
                        "stripe": port("CPT_STRIPE_PORT"),
                    },
                )
            )
            tesla = stack.enter_context(
                start_tesla_simulator(
                    port("CPT_TESLA_SIM_PORT"),
                    redirect_uri=f"http://127.0.0.1:{gateway_port}/api/v1/tesla/oauth/callback",
                )
            )
            paypal = stack.enter_context(
                start_paypal_simulator(
                    port("CPT_PAYPAL_SIM_PORT"),
                    webhook_url=f"http://127.0.0.1:{gateway_port}/api/v1/payment/paypal/webhook",
                )
            )
        except KeyboardInterrupt:
            print("\nStopped during start-up.")
            return 130
        os.environ.update(local_app_environment(cloud.env, tesla.url, paypal.url, gateway_port))
        # The API redirects to, and allows CORS from, the web app's origin: where we serve it.
        os.environ.setdefault("CPT_WUI_URL", f"http://127.0.0.1:{port('CPT_WUI_PORT')}")

        from dev.gateway import Gateway
        from dev.seed import seed_demo_data
        from shared.platform.settings import get_settings

        settings = get_settings()
        seeded = seed_demo_data(settings, stripe_api_base=cloud.env["CPT_STRIPE_API_BASE"])
        gateway_url = f"http://127.0.0.1:{gateway_port}"
        # What Cloud Scheduler does in the cloud (infra/scheduler.tf): repair stuck orders.
        from shared.operations.reconciler import start_in_background

        interval_s = float(os.environ.get("CPT_RECONCILE_INTERVAL_S", "60"))
        stack.callback(start_in_background(interval_s).set)
        from dev.wui import serve_local

        web_app = stack.enter_context(
            serve_local(port("CPT_WUI_PORT"), gateway_url, cloud.env["CPT_STRIPE_API_BASE"])
        )
        _print_summary(
            cloud.urls
            | {"tesla-simulator": tesla.url, "paypal-simulator": paypal.url}
            | ({"web app": web_app} if web_app else {}),
            gateway_url,
            seeded,
        )

        from werkzeug.serving import run_simple

        from shared.platform.logs import setup_logging

        setup_logging()
        # The gateway's functions log each request themselves; werkzeug's line would repeat it.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

        with suppress(KeyboardInterrupt):
            run_simple("127.0.0.1", gateway_port, Gateway(), threaded=True, use_reloader=False)
        print("\nStopping every service …", flush=True)
    return 0


def local_app_environment(
    cloud_env: dict[str, str], tesla_url: str, paypal_url: str, gateway_port: int
) -> dict[str, str]:
    """The environment the functions run with locally: emulators plus simulator URLs."""
    gateway = f"http://127.0.0.1:{gateway_port}"
    return {
        **cloud_env,
        "GOOGLE_CLOUD_PROJECT": LOCAL_PROJECT,
        "CPT_ENVIRONMENT": "local",
        "CPT_PROJECT_ID": LOCAL_PROJECT,
        "CPT_TESLA_AUTH_URL": f"{tesla_url}/oauth2/v3",
        "CPT_TESLA_FLEET_URL_TEMPLATE": f"{tesla_url}/{{region}}",
        "CPT_TESLA_REDIRECT_URI": f"{gateway}/api/v1/tesla/oauth/callback",
        "CPT_WORKER_URL": f"{gateway}/api/v1/internal/reports/worker",
        "CPT_PAYPAL_API_BASE": paypal_url,
    }


def _print_summary(urls: dict[str, str], gateway_url: str, seeded: list[str]) -> None:
    width = max(len(name) for name in urls) + 2
    print("\nServices ready:")
    for name, url in sorted(urls.items()):
        print(f"  {name:<{width}}{url}")
    print(f"\n  {'API':<{width}}{gateway_url}/api/v1")
    print(f"  {'OpenAPI':<{width}}{gateway_url}/api/v1/openapi.json")
    print(f"  {'health':<{width}}{gateway_url}/api/v1/health")
    print(
        f"  {'reconcile':<{width}}curl -X POST {gateway_url}/api/v1/internal/operations/reconcile"
        "  (also every CPT_RECONCILE_INTERVAL_S=60 s)"
    )
    print("\nSeeded:")
    for line in seeded:
        print(f"  - {line}")
    print("\nCtrl-C stops everything.\n", flush=True)


if __name__ == "__main__":
    sys.exit(main())
