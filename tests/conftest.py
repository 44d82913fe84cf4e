"""Shared fixtures: the real emulators and simulators, started once per run, and the app on them.

Only tests that ask for a fixture pay for what it starts. ``app_env`` points the functions'
settings at the emulators and the Tesla simulator; ``function_client`` and ``gateway`` call the
functions the way functions-framework and the public entry do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from functions_framework import create_app
from werkzeug.test import Client

from tests.fixtures.localcloud import *  # noqa: F403
from tests.fixtures.localcloud import TEST_PROJECT, LocalCloud
from tests.fixtures.tesla_sim import *  # noqa: F403
from tests.fixtures.tesla_sim import TeslaSimulator

ENTRY_MODULE = str(Path(__file__).resolve().parent.parent / "main.py")


def _forget_cached_configuration() -> None:
    from shared.clients import reset_clients
    from shared.settings import get_settings

    get_settings.cache_clear()
    reset_clients()


@pytest.fixture(scope="session")
def app_env(local_cloud: LocalCloud, tesla_sim: TeslaSimulator) -> Iterator[dict[str, str]]:
    """The environment the functions run with in tests: emulators, simulators, test project."""
    env = {
        "CPT_ENVIRONMENT": "local",
        "CPT_PROJECT_ID": TEST_PROJECT,
        "CPT_REPORTS_BUCKET": "cpt-test-reports",
        "CPT_TESLA_AUTH_URL": f"{tesla_sim.url}/oauth2/v3",
        "CPT_TESLA_FLEET_BASE_URL": tesla_sim.base_url("eu"),
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        _forget_cached_configuration()
        yield env
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
