"""Tesla's error semantics: 429 waits, 5xx retries (unbilled), bounded attempts, 401, other 4xx."""

from __future__ import annotations

import pytest
import requests

from shared.platform.settings import get_settings
from shared.tesla.calls import CallLog
from shared.tesla.fetch import SYSTEM_CLOCK, Clock, FetchPolicy, TokenExpired, fetch_vehicle_modules
from shared.tesla.fleet import FleetClient
from shared.tesla.oauth import refresh
from tests.fixtures.tesla_sim import TeslaSimulator
from tests.tesla.helpers import (
    POLICY,
    SOLO_ID,
    SOLO_VIN,
    SimulatorClock,
    client_for,
    partner_for,
)

PRO_PER_CAR = [
    "vehicle_data",
    "recent_alerts",
    "service_data",
    "warranty",
    "release_notes",
    "options",
]


def _fetch_solo(
    client: FleetClient,
    clock: Clock,
    calls: CallLog | None = None,
    modules: list[str] = PRO_PER_CAR,
    policy: FetchPolicy = POLICY,
) -> dict:
    return fetch_vehicle_modules(
        client,
        vin=SOLO_VIN,
        vehicle_id=SOLO_ID,
        modules=modules,
        charging_sessions=None,
        policy=policy,
        clock=clock,
        calls=calls,
        partner=partner_for(),
    )


def test_429_burst_waits_retry_after_and_completes(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    tesla.inject(kind="rate_limit", count=3, retry_after=7, endpoint="vehicle_data")
    calls = CallLog()
    results = _fetch_solo(client_for(tesla, "solo"), clock, calls)

    assert all(result.outcome == "ok" for result in results.values())
    assert clock.sleeps == [7, 7, 7]
    assert tesla.ledger(endpoint="vehicle_data")["by_status"] == {"429": 3, "200": 1}
    (data_call,) = [call for call in calls.calls if call.endpoint == "vehicle_data"]
    assert data_call.statuses == (429, 429, 429, 200)
    # 429s are billed like any answer below 500: our record says what Tesla's ledger says.
    assert data_call.cost_micro_usd == 4 * 2_000
    assert calls.summary(everything=True).cost_micro_usd == tesla.ledger()["total_cost_micro_usd"]


def test_retry_after_beyond_the_bound_gives_up_on_that_module(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    tesla.inject(kind="rate_limit", count=1, retry_after=3600, endpoint="options")
    results = _fetch_solo(client_for(tesla, "solo"), clock)

    assert results["options"].outcome == "failed"
    assert results["options"].reason == "rate limited (Retry-After 3600 s)"
    assert all(results[m].outcome == "ok" for m in PRO_PER_CAR if m != "options")
    assert tesla.ledger(endpoint="options")["total_calls"] == 1
    assert clock.sleeps == []


def test_5xx_burst_is_retried_with_backoff_and_not_billed(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    tesla.inject(kind="error", status=503, count=2, endpoint="vehicle_data")
    tesla.inject(kind="error", status=500, count=1, endpoint="warranty_details")
    calls = CallLog()
    results = _fetch_solo(client_for(tesla, "solo"), clock, calls)

    assert all(result.outcome == "ok" for result in results.values())
    ledger = tesla.ledger(endpoint="vehicle_data")
    assert ledger["by_status"] == {"503": 2, "200": 1}
    assert (ledger["billed_calls"], ledger["total_cost_micro_usd"]) == (1, 2_000)
    (data_call,) = [call for call in calls.calls if call.endpoint == "vehicle_data"]
    assert (data_call.statuses, data_call.billed_attempts) == ((503, 503, 200), 1)
    assert len(clock.sleeps) == 3 and all(0 < pause <= 1.0 for pause in clock.sleeps)
    assert tesla.ledger()["total_cost_micro_usd"] == 6 * 2_000  # nothing extra for the 5xx


def test_persistent_5xx_fails_the_module_after_bounded_attempts(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    tesla.inject(kind="error", status=500, endpoint="warranty_details")  # every call
    calls = CallLog()
    results = _fetch_solo(client_for(tesla, "solo"), clock, calls)

    assert results["warranty"].outcome == "failed"
    assert results["warranty"].reason == (
        "Tesla unavailable after 4 attempts (Fleet API answered 500)"
    )
    assert all(results[m].outcome == "ok" for m in PRO_PER_CAR if m != "warranty")
    ledger = tesla.ledger(endpoint="warranty_details")
    assert (ledger["total_calls"], ledger["billed_calls"]) == (POLICY.max_retries + 1, 0)
    (warranty,) = [call for call in calls.calls if call.endpoint == "warranty_details"]
    assert warranty.attempts == 4 and warranty.cost_micro_usd == 0
    # Exponential backoff: 0.5, 1, 2 s ceilings, each with jitter of 50-100 %.
    for pause, ceiling in zip(clock.sleeps, (0.5, 1.0, 2.0), strict=True):
        assert ceiling / 2 <= pause <= ceiling


def test_network_errors_are_retried_then_reported(app_env: dict[str, str]) -> None:
    settings = get_settings().model_copy(
        update={"tesla_fleet_url_template": "http://127.0.0.1:9/{region}", "tesla_timeout_s": 1}
    )
    client = FleetClient(settings, requests.Session(), access_token="unused", region="eu")
    calls = CallLog()
    policy = FetchPolicy(base_backoff_s=0.001)  # nothing to simulate: real, tiny sleeps
    results = _fetch_solo(client, SYSTEM_CLOCK, calls, modules=["vehicle_data"], policy=policy)

    assert results["vehicle_data"].outcome == "failed"
    assert "unreachable" in (results["vehicle_data"].reason or "")
    # The state check could not say; the data call was still tried, 4 times, none billed.
    assert [call.statuses for call in calls.calls] == [(None,) * 4, (None,) * 4]
    assert calls.summary(everything=True).cost_micro_usd == 0


def test_other_4xx_fail_at_once_with_teslas_reason(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    tesla.inject(
        kind="error", status=403, count=1, endpoint="specs", error="Unauthorized missing scopes"
    )
    results = _fetch_solo(client_for(tesla, "solo"), clock, modules=["vehicle_specs", "options"])

    assert results["vehicle_specs"].outcome == "failed"
    assert results["vehicle_specs"].reason == "Tesla answered 403: Unauthorized missing scopes"
    assert results["options"].outcome == "ok"
    assert tesla.ledger(endpoint="specs")["total_calls"] == 1  # a 4xx retried is money wasted


def test_401_raises_token_expired_and_a_refreshed_token_works(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    tokens = tesla.login("solo")
    settings = get_settings()
    tesla.admin("tokens/expire", {"account": "solo"})
    expired = FleetClient(
        settings, requests.Session(), access_token=tokens["access_token"], region="eu"
    )
    calls = CallLog()
    with pytest.raises(TokenExpired) as raised:
        _fetch_solo(expired, clock, calls)
    assert raised.value.endpoint == "vehicle"  # the free state check: the 401 cost nothing
    assert tokens["access_token"] not in str(raised.value)
    assert tesla.ledger()["total_cost_micro_usd"] == 0

    # The caller refreshes (and would persist the rotated refresh token first), then retries.
    with requests.Session() as http:
        fresh = refresh(settings, http, refresh_token=tokens["refresh_token"])
    client = FleetClient(settings, requests.Session(), access_token=fresh.access_token, region="eu")
    results = _fetch_solo(client, clock)
    assert all(result.outcome == "ok" for result in results.values())


def test_401_in_the_middle_of_the_modules_stops_the_car(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    tesla.inject(kind="error", status=401, count=1, endpoint="options", error="token expired (401)")
    with pytest.raises(TokenExpired) as raised:
        _fetch_solo(client_for(tesla, "solo"), clock)
    assert raised.value.endpoint == "options"
