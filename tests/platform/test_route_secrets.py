"""Locally, each function runs with only the secrets its deploy gives it (issue 12, item 5).

``shared.platform.http`` blanks every secret a route's deploy does not inject, the way a
deployed function has them empty (``Settings`` outside ``local``); the whole suite runs so.
"""

from __future__ import annotations

import pytest

from dev import deploy_plan
from functions.routes import ROUTES, route_for
from shared.platform.http import with_route_secrets
from shared.platform.settings import SECRET_FIELDS, Settings


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.target)
def test_a_function_holds_exactly_its_deployed_secrets(route) -> None:
    settings = with_route_secrets(route, Settings())
    held = {name for name in SECRET_FIELDS if getattr(settings, name).get_secret_value()}
    command = deploy_plan.deploy_command(route, "p", "europe-north1", "dev")
    injected = next((arg for arg in command if arg.startswith("--set-secrets=")), "")
    deployed = {name for name in SECRET_FIELDS if f"CPT_{name.upper()}=" in injected}
    assert held == deployed == set(route.secrets) & set(SECRET_FIELDS)


def test_the_profile_can_be_switched_off_to_debug() -> None:
    settings = Settings(local_route_secrets_only=False)
    route = route_for("health")
    assert with_route_secrets(route, settings) is settings


def test_selection_holds_the_key_that_cancels_a_superseded_intent() -> None:
    select = next(r for r in ROUTES if r.target == "tesla_session_select")
    assert "stripe_secret_key" in select.secrets
