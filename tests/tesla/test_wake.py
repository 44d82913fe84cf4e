"""Sleeping cars: one billed wake, free polls, and a partial report when the car won't wake."""

from __future__ import annotations

from shared.tesla.calls import CallLog
from shared.tesla.fetch import fetch_vehicle_modules
from tests.fixtures.tesla_sim import TeslaSimulator
from tests.tesla.helpers import (
    FAMILY_3_ID,
    FAMILY_3_VIN,
    FAMILY_Y_ID,
    FAMILY_Y_VIN,
    FLEET_OFFLINE_ID,
    FLEET_OFFLINE_VIN,
    POLICY,
    SOLO_ID,
    SOLO_VIN,
    SimulatorClock,
    client_for,
    endpoints_of,
    paid_entries,
    run_order,
)

CLOUD_MODULES = ("recent_alerts", "service_data", "warranty", "release_notes", "options")


def test_sleeping_family_model_y_is_woken_once_then_read(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    calls = CallLog()
    cars = {FAMILY_3_VIN: FAMILY_3_ID, FAMILY_Y_VIN: FAMILY_Y_ID}
    reports = run_order(client_for(tesla, "family"), cars, "pro", clock, calls)

    for vin in cars:
        assert all(result.outcome == "ok" for result in reports[vin].values()), reports[vin]
    assert reports[FAMILY_Y_VIN]["vehicle_data"].payload["response"]["vin"] == FAMILY_Y_VIN
    assert [e["vin"] for e in tesla.ledger(endpoint="wake_up")["entries"]] == [FAMILY_Y_VIN]
    assert "wake_up" in endpoints_of(paid_entries(tesla, vin=FAMILY_Y_VIN))
    sleeping, awake = calls.summary(FAMILY_Y_VIN), calls.summary(FAMILY_3_VIN)
    assert (sleeping.billed_by_category["data"], sleeping.billed_by_category["wake"]) == (6, 1)
    assert (sleeping.paid_calls, sleeping.cost_usd) == (7, "0.032000")
    assert (awake.paid_calls, awake.cost_usd) == (6, "0.012000")
    assert "wake" not in awake.billed_by_category
    # The simulator wakes a car in 15 s; the free polls found it online at the first check after.
    assert 15 <= clock.slept < 25
    vehicle_data = tesla.ledger(endpoint="vehicle_data", vin=FAMILY_Y_VIN)["by_status"]
    assert vehicle_data == {"200": 1}  # never called while it slept: no billed 408


def test_car_that_stays_asleep_gives_a_partial_report_and_one_wake(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    tesla.set_vehicle(FAMILY_Y_VIN, wake_delay_seconds=3600)
    calls = CallLog()
    results = fetch_vehicle_modules(
        client_for(tesla, "family"),
        vin=FAMILY_Y_VIN,
        vehicle_id=FAMILY_Y_ID,
        modules=["vehicle_data", "charging_history", *CLOUD_MODULES],
        charging_sessions=[],
        policy=POLICY,
        clock=clock,
        calls=calls,
    )

    assert results["vehicle_data"].outcome == "unavailable"
    assert results["vehicle_data"].reason == (
        "car stayed asleep for 60 s after one wake-up request"
    )
    assert all(results[module].outcome == "ok" for module in (*CLOUD_MODULES, "charging_history"))
    assert tesla.ledger(endpoint="wake_up")["billed_calls"] == 1
    assert tesla.ledger(endpoint="vehicle_data")["total_calls"] == 0
    assert clock.slept == 60  # polled until the deadline, not a second longer
    polls = [call for call in calls.for_vin(FAMILY_Y_VIN) if call.endpoint == "vehicle"]
    assert 5 <= len(polls) <= 12  # backoff: a handful of free checks, not one a second


def test_offline_car_is_not_woken_twice(tesla: TeslaSimulator, clock: SimulatorClock) -> None:
    results = fetch_vehicle_modules(
        client_for(tesla, "fleet"),
        vin=FLEET_OFFLINE_VIN,
        vehicle_id=FLEET_OFFLINE_ID,
        modules=["vehicle_data", "options"],
        charging_sessions=None,
        policy=POLICY,
        clock=clock,
    )
    assert results["vehicle_data"].outcome == "unavailable"
    assert "offline" in (results["vehicle_data"].reason or "")
    assert results["options"].outcome == "ok"
    assert tesla.ledger(endpoint="wake_up")["billed_calls"] == 1


def test_408_from_an_online_looking_car_takes_the_wake_path_once(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    # The car fell asleep between the state check and the data call.
    tesla.inject(
        kind="error",
        status=408,
        count=1,
        endpoint="vehicle_data",
        error="vehicle unavailable: vehicle is offline or asleep",
    )
    results = fetch_vehicle_modules(
        client_for(tesla, "solo"),
        vin=SOLO_VIN,
        vehicle_id=SOLO_ID,
        modules=["vehicle_data"],
        charging_sessions=None,
        policy=POLICY,
        clock=clock,
    )
    assert results["vehicle_data"].outcome == "ok"
    assert tesla.ledger(endpoint="wake_up")["billed_calls"] == 1
    assert tesla.ledger(endpoint="vehicle_data")["by_status"] == {"408": 1, "200": 1}


def test_a_second_408_after_the_wake_is_unavailable_not_another_wake(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    tesla.inject(kind="error", status=408, count=2, endpoint="vehicle_data")
    results = fetch_vehicle_modules(
        client_for(tesla, "solo"),
        vin=SOLO_VIN,
        vehicle_id=SOLO_ID,
        modules=["vehicle_data"],
        charging_sessions=None,
        policy=POLICY,
        clock=clock,
    )
    assert results["vehicle_data"].outcome == "unavailable"
    assert tesla.ledger(endpoint="wake_up")["billed_calls"] == 1
    assert tesla.ledger(endpoint="vehicle_data")["by_status"] == {"408": 2}
