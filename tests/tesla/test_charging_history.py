"""The account-level charging history: one paged fetch per order, split by VIN, no leakage."""

from __future__ import annotations

from datetime import UTC, datetime

import requests

from shared.platform.settings import get_settings
from shared.tesla.calls import CallLog
from shared.tesla.fetch import ModuleFailure, fetch_charging_history
from shared.tesla.fleet import FleetClient
from tests.fixtures.tesla_sim import TeslaSimulator
from tests.tesla.helpers import (
    FAMILY_Y_VIN,
    FLEET_ONLINE,
    POLICY,
    SimulatorClock,
    client_for,
)


def _fleet_cars(tesla: TeslaSimulator) -> dict[str, int]:
    """VIN → number of Supercharger sessions, per the simulator."""
    return {car["vin"]: car["charging_sessions"] for car in tesla.accounts()["fleet"]["vehicles"]}


def test_whole_fleet_history_split_by_vin_without_leakage(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    expected = _fleet_cars(tesla)
    calls = CallLog()
    history = fetch_charging_history(
        client_for(tesla, "fleet"), vins=expected, policy=POLICY, clock=clock, calls=calls
    )

    assert isinstance(history, dict)
    assert {vin: len(sessions) for vin, sessions in history.items()} == expected
    for vin, sessions in history.items():
        assert {session["vin"] for session in sessions} <= {vin}
        ids = [session["sessionId"] for session in sessions]
        assert len(ids) == len(set(ids))
        starts = [session["chargeStartDateTime"] for session in sessions]
        assert starts == sorted(starts, key=datetime.fromisoformat, reverse=True)  # newest first
    # 360 sessions at the largest page size (100): 4 billed pages, once for the order.
    pages = tesla.ledger(endpoint="charging_history")
    assert (pages["billed_calls"], pages["total_cost_micro_usd"]) == (4, 8_000)
    assert {entry["path"] for entry in pages["entries"]} == {"/eu/api/1/dx/charging/history"}
    assert calls.summary(None).paid_calls == 4


def test_an_order_gets_only_its_own_cars_sessions(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    sessions_per_car = _fleet_cars(tesla)
    ordered = list(FLEET_ONLINE)[:2]
    history = fetch_charging_history(
        client_for(tesla, "fleet"),
        vins=[vin.lower() for vin in ordered],
        policy=POLICY,
        clock=clock,
    )

    assert isinstance(history, dict)
    assert set(history) == set(ordered)  # cars outside the order are dropped entirely
    for vin in ordered:
        assert len(history[vin]) == sessions_per_car[vin]
        assert all(session["vin"] == vin for session in history[vin])


def test_one_car_uses_the_vin_filter_and_a_car_without_sessions_gets_an_empty_list(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    history = fetch_charging_history(
        client_for(tesla, "family"), vins={FAMILY_Y_VIN}, policy=POLICY, clock=clock
    )
    assert isinstance(history, dict) and len(history[FAMILY_Y_VIN]) == 24
    (page,) = tesla.ledger(endpoint="charging_history")["entries"]
    assert page["vin"] == FAMILY_Y_VIN  # Tesla filtered server-side: one page

    nobody = fetch_charging_history(
        client_for(tesla, "solo"), vins={FAMILY_Y_VIN}, policy=POLICY, clock=clock
    )
    assert nobody == {FAMILY_Y_VIN: []}


def test_since_limits_the_history(tesla: TeslaSimulator, clock: SimulatorClock) -> None:
    since = datetime(2026, 8, 1, tzinfo=UTC)
    cars = _fleet_cars(tesla)
    history = fetch_charging_history(
        client_for(tesla, "fleet"), vins=cars, since=since, policy=POLICY, clock=clock
    )
    assert isinstance(history, dict)
    rows = [session for sessions in history.values() for session in sessions]
    assert 0 < len(rows) < sum(cars.values())
    assert all(datetime.fromisoformat(row["chargeStartDateTime"]) >= since for row in rows)


def test_a_page_that_keeps_failing_fails_the_whole_history(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    tesla.inject(kind="error", status=503, endpoint="charging_history")
    history = fetch_charging_history(
        client_for(tesla, "fleet"), vins=_fleet_cars(tesla), policy=POLICY, clock=clock
    )
    assert history == ModuleFailure(
        "charging history: Tesla unavailable after 4 attempts (Fleet API answered 503)"
    )
    assert history.as_result().outcome == "failed"
    assert tesla.ledger(endpoint="charging_history")["billed_calls"] == 0


def test_missing_scope_fails_the_history_at_once(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    token = tesla.login("fleet", scope="openid offline_access vehicle_device_data")
    client = FleetClient(  # the same account, consented without vehicle_charging_cmds
        get_settings(), requests.Session(), access_token=token["access_token"], region="eu"
    )
    history = fetch_charging_history(client, vins=_fleet_cars(tesla), policy=POLICY, clock=clock)
    assert isinstance(history, ModuleFailure)
    assert history.reason.startswith("charging history: Tesla answered 403")
    assert tesla.ledger(endpoint="charging_history")["total_calls"] == 1


def test_wrapped_dx_envelope_is_accepted(tesla: TeslaSimulator, clock: SimulatorClock) -> None:
    tesla.admin("settings", {"wrap_dx_responses": True})
    history = fetch_charging_history(
        client_for(tesla, "fleet"), vins=list(FLEET_ONLINE), policy=POLICY, clock=clock
    )
    assert isinstance(history, dict)
    assert sum(len(rows) for rows in history.values()) == sum(
        _fleet_cars(tesla)[vin] for vin in FLEET_ONLINE
    )
