"""Shared fixtures: the real emulators and simulators, started once per run, and the app on them.

Only tests that ask for a fixture pay for what it starts. ``app_env`` points the functions'
settings at the emulators and the Tesla simulator; ``function_client`` and ``gateway`` call the
functions the way functions-framework and the public entry do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from functions_framework import create_app
from werkzeug.test import Client

from dev.localcloud import ensure_bucket, register_stripe_webhook
from dev.serving import serve_in_thread
from shared.platform.logs import CloudLoggingFormatter
from tests.fixtures.localcloud import *  # noqa: F403
from tests.fixtures.localcloud import TEST_PROJECT, LocalCloud
from tests.fixtures.paypal_sim import *  # noqa: F403
from tests.fixtures.paypal_sim import PayPalSimulator
from tests.fixtures.tesla_sim import *  # noqa: F403
from tests.fixtures.tesla_sim import TeslaSimulator

ENTRY_MODULE = str(Path(__file__).resolve().parent.parent / "main.py")

# The simulators' and gateway's per-request werkzeug lines would repeat what our own access log
# says, and background deliveries would print them between tests.
logging.getLogger("werkzeug").setLevel(logging.WARNING)


def _forget_cached_configuration() -> None:
    from shared.platform.clients import reset_clients
    from shared.platform.settings import get_settings

    get_settings.cache_clear()
    reset_clients()


@pytest.fixture(scope="session")
def app_env(
    local_cloud: LocalCloud, tesla_sim: TeslaSimulator, paypal_sim: PayPalSimulator
) -> Iterator[dict[str, str]]:
    """The environment the functions run with in tests: emulators, simulators, test project."""
    env = {
        "CPT_ENVIRONMENT": "local",
        "CPT_PROJECT_ID": TEST_PROJECT,
        "CPT_REPORTS_BUCKET": "cpt-test-reports",
        "CPT_TESLA_AUTH_URL": f"{tesla_sim.url}/oauth2/v3",
        "CPT_TESLA_FLEET_URL_TEMPLATE": f"{tesla_sim.url}/{{region}}",
        "CPT_PAYPAL_API_BASE": paypal_sim.url,
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        _forget_cached_configuration()
        ensure_bucket(env["CPT_REPORTS_BUCKET"], local_cloud.env["STORAGE_EMULATOR_HOST"])
        yield env
    _forget_cached_configuration()


@pytest.fixture(scope="session")
def live_gateway(app_env: dict[str, str], local_cloud: LocalCloud) -> Iterator[str]:
    """Every function behind the gateway on a real port, for callers that need HTTP: localstripe
    and the PayPal simulator deliver their webhooks here. Yields the base URL."""
    from dev.gateway import Gateway
    from shared.platform.settings import get_settings

    with serve_in_thread(Gateway(), "live-gateway") as url, pytest.MonkeyPatch.context() as patch:
        # Cloud Tasks (the emulator) delivers report tasks to the worker behind this gateway.
        patch.setenv("CPT_WORKER_URL", f"{url}/api/v1/internal/reports/worker")
        _forget_cached_configuration()
        register_stripe_webhook(
            local_cloud.env["CPT_STRIPE_API_BASE"],
            name="cpt-tests",
            url=f"{url}/api/v1/payment/verify",
            secret=get_settings().stripe_webhook_secret.get_secret_value(),
        )
        yield url
    _forget_cached_configuration()


@pytest.fixture
def function_client(app_env: dict[str, str]) -> Callable[[str], FlaskClient]:
    """``function_client("health")``: one function, loaded from main.py as the buildpack does."""
    return lambda target: create_app(target, ENTRY_MODULE).test_client()


@pytest.fixture
def gateway(app_env: dict[str, str]) -> Client:
    """Every function behind the local gateway, as the WUI reaches them."""
    from dev.gateway import Gateway

    return Client(Gateway())


class SecretsLedger:
    """Secrets the tests saw (session ids, tokens); none may ever appear in a log line."""

    def __init__(self) -> None:
        self.values: set[str] = set()

    def add(self, *values: str | None) -> None:
        self.values.update(v for v in values if v and len(v) >= 16)


class _FormattedLogCapture(logging.Handler):
    """Keeps every record of the run as the JSON line Cloud Logging would receive."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(CloudLoggingFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="session", autouse=True)
def seen_secrets() -> Iterator[SecretsLedger]:
    """Register secrets here; at the end of the run no captured log line may contain one.

    Autouse, so the capture spans the whole run: every line any test caused to be logged.
    """
    ledger = SecretsLedger()
    capture = _FormattedLogCapture()
    root = logging.getLogger()
    root.addHandler(capture)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)  # what production logs
    yield ledger
    root.removeHandler(capture)
    leaked = [s for s in ledger.values if any(s in line for line in capture.lines)]
    if ledger.values:
        assert capture.lines, "no log line was captured: the check would prove nothing"
    assert not leaked, f"{len(leaked)} secret(s) appeared in the logs"
