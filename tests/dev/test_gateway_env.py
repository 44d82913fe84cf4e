"""The local gateway gives each function only the environment its deploy gives it (issue 12,
item 5): the variables Terraform and the deploy command set for it and its secrets, plus what no
function is deployed with (emulator addresses, seed data). A variable the deploy gives only
other functions is not seen, so a function missing one fails locally as it would in the cloud.
"""

from __future__ import annotations

import re

import pytest
from werkzeug.test import Client

from dev import deploy_plan
from dev.gateway import Gateway, function_environment
from functions.routes import ROUTES, route_for
from shared.platform.settings import get_settings
from tests.infra.hcl import load_infra

ORIGIN = "https://wui.example.test"


def _names(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value)
    return set(re.findall(r"\b(CPT_[A-Z0-9_]+)\s*=", str(value)))


def test_the_plan_knows_what_terraform_sets_on_each_function() -> None:
    locals_ = load_infra().locals
    common = _names(locals_["common_env"])
    assert common == deploy_plan.TERRAFORM_COMMON_ENV
    assert _names(locals_["public_env"]) - common == deploy_plan.TERRAFORM_PUBLIC_ENV
    assert _names(locals_["internal_env"]) - common == deploy_plan.TERRAFORM_INTERNAL_ENV


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.target)
def test_a_function_sees_its_deployed_names_and_local_plumbing_only(route) -> None:
    environ = {f"CPT_{name.upper()}": "x" for name in ("stripe_secret_key", "paypal_client_secret")}
    environ |= {"CPT_WUI_URL": "w", "CPT_STRIPE_API_BASE": "emulator", "HOME": "/root"}
    seen = function_environment(route, environ)
    assert seen["CPT_WUI_URL"] == "w"  # Terraform gives every function the WUI's URL
    assert seen["CPT_STRIPE_API_BASE"] == "emulator"  # no deploy sets it: local plumbing
    assert "HOME" not in seen
    for secret in ("stripe_secret_key", "paypal_client_secret"):
        assert (f"CPT_{secret.upper()}" in seen) == (secret in route.secrets)


def test_a_name_given_only_to_other_functions_is_not_seen() -> None:
    def plan(route):
        extra = {"CPT_PAYPAL_WEBHOOK_ID"} if route.target == "payment_paypal_webhook" else set()
        return deploy_plan.function_env_names(route) - {"CPT_PAYPAL_WEBHOOK_ID"} | extra

    deployed = frozenset().union(*(plan(route) for route in ROUTES))
    environ = {"CPT_PAYPAL_WEBHOOK_ID": "WH-1"}
    webhook, capture = route_for("payment_paypal_webhook"), route_for("payment_paypal_capture")
    assert function_environment(webhook, environ, plan, deployed) == environ
    assert function_environment(capture, environ, plan, deployed) == {}


def _preflight(client: Client):
    return client.open(
        "/api/v1/pricing/catalog",
        method="OPTIONS",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"},
    )


def test_a_function_answers_with_its_deploy_env_and_fails_without_one_variable(
    app_env, monkeypatch
) -> None:
    monkeypatch.setenv("CPT_WUI_URL", ORIGIN)
    get_settings.cache_clear()

    deployed = Client(Gateway())
    assert deployed.get("/api/v1/pricing/catalog").status_code == 200
    allowed = _preflight(deployed)
    assert allowed.status_code in (200, 204)
    assert allowed.headers.get("Access-Control-Allow-Origin") == ORIGIN

    def without_wui_url(route):
        names = deploy_plan.function_env_names(route)
        return names - {"CPT_WUI_URL"} if route.target == "pricing_catalog" else names

    # Deployed without CPT_WUI_URL, the function falls back to the default origin and the
    # browser's preflight from the real WUI gets no CORS grant: the WUI cannot call it, as in
    # the cloud. Every other function still allows the WUI.
    lacking = Client(Gateway(env_names=without_wui_url))
    refused = _preflight(lacking)
    assert refused.headers.get("Access-Control-Allow-Origin") != ORIGIN
    other = lacking.open(
        "/api/v1/pricing/quote",
        method="OPTIONS",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert other.headers.get("Access-Control-Allow-Origin") == ORIGIN
    get_settings.cache_clear()
