"""Specs go out with our partner token (client_credentials), cached per instance and region.

Tesla's documentation says the specs endpoint takes a partner token; the simulator refuses a
user token there by default. A specs failure leaves every other module of the report intact.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import requests

from shared.platform.settings import get_settings
from shared.tesla.calls import CallLog
from shared.tesla.fetch import fetch_vehicle_modules
from shared.tesla.partner import RENEW_BEFORE, PartnerToken, PartnerTokens
from tests.fixtures.tesla_sim import TeslaSimulator
from tests.tesla.helpers import POLICY, SOLO_ID, SOLO_VIN, SimulatorClock, client_for, partner_for

EXPERT_OWN = ["vehicle_data", "options", "vehicle_specs"]


def _fetch(tesla: TeslaSimulator, clock: SimulatorClock, **kwargs: object) -> dict:
    return fetch_vehicle_modules(
        client_for(tesla, "solo"),
        vin=SOLO_VIN,
        vehicle_id=SOLO_ID,
        modules=EXPERT_OWN,
        charging_sessions=None,
        policy=POLICY,
        clock=clock,
        calls=CallLog(),
        **kwargs,  # type: ignore[arg-type]
    )


def test_specs_go_out_with_the_partner_token_the_rest_with_the_users(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    results = _fetch(tesla, clock, partner=partner_for())

    assert {name: r.outcome for name, r in results.items()} == dict.fromkeys(EXPERT_OWN, "ok")
    assert results["vehicle_specs"].payload["response"]["vin"] == SOLO_VIN
    by_endpoint = {e["endpoint"]: e["token_type"] for e in tesla.ledger()["entries"]}
    assert by_endpoint["specs"] == "partner"
    assert by_endpoint["vehicle_data"] == by_endpoint["options"] == "user"


def test_simulator_refuses_a_user_token_on_specs_unless_told(tesla: TeslaSimulator) -> None:
    token = tesla.login("solo")["access_token"]
    refused = tesla.call(token, f"/api/1/vehicles/{SOLO_VIN}/specs")
    assert refused.status_code == 403
    assert "partner token" in refused.json()["error"]

    tesla.admin("/settings", json={"specs_accept_user_tokens": True})
    assert tesla.call(token, f"/api/1/vehicles/{SOLO_VIN}/specs").status_code == 200


def test_without_a_partner_token_specs_fail_and_the_rest_is_intact(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    results = _fetch(tesla, clock)  # no partner clients given: the user's token is never sent

    assert results["vehicle_specs"].outcome == "failed"
    assert "partner token" in (results["vehicle_specs"].reason or "")
    assert results["vehicle_data"].outcome == results["options"].outcome == "ok"
    assert tesla.ledger(endpoint="specs")["total_calls"] == 0


def test_a_refused_partner_grant_fails_specs_only_and_says_why(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    settings = get_settings().model_copy(update={"tesla_client_id": "not-registered"})
    http = requests.Session()
    tokens = PartnerTokens()

    def partner(region: str, renew: bool) -> object:
        from shared.tesla.partner import partner_client

        return partner_client(settings, http, region, renew=renew, tokens=tokens)

    results = _fetch(tesla, clock, partner=partner)

    assert results["vehicle_specs"].outcome == "failed"
    assert "partner token not issued" in (results["vehicle_specs"].reason or "")
    assert results["vehicle_data"].outcome == "ok"


def test_partner_token_is_cached_per_region_and_renewed_before_expiry(
    tesla: TeslaSimulator, app_env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    settings, http, tokens = get_settings(), requests.Session(), PartnerTokens()
    caplog.set_level(logging.DEBUG)

    eu = tokens.token(settings, http, "eu")
    assert tokens.token(settings, http, "eu") is eu  # cached: no second grant
    na = tokens.token(settings, http, "na")
    assert na.audience.endswith("/na") and eu.audience.endswith("/eu")
    assert eu.access_token not in repr(eu) and eu.access_token not in caplog.text
    assert tokens.token(settings, http, "eu", renew=True) is not eu

    almost_expired = PartnerToken("x", datetime.now(UTC) + RENEW_BEFORE / 2, eu.audience)
    assert not almost_expired.fresh_at(datetime.now(UTC))
    fresh = PartnerToken("x", datetime.now(UTC) + RENEW_BEFORE + timedelta(minutes=1), "a")
    assert fresh.fresh_at(datetime.now(UTC))


def test_a_revoked_cached_partner_token_is_renewed_once(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    tokens = PartnerTokens()
    partner = partner_for(tokens)
    tokens.token(get_settings(), requests.Session(), "eu")
    tesla.reset()  # the simulator forgets every token: ours is now refused (401)

    results = _fetch(tesla, clock, partner=partner)

    assert results["vehicle_specs"].outcome == "ok"
    assert [e["status"] for e in tesla.ledger(endpoint="specs")["entries"]] == [401, 200]
