"""The NA account reached through a client that starts in Europe: one 421, then everything in NA."""

from __future__ import annotations

from shared.tesla.calls import CallLog
from shared.tesla.fetch import fetch_vehicle_modules
from tests.fixtures.tesla_sim import TeslaSimulator
from tests.tesla.helpers import (
    NA_ONLINE_ID,
    NA_ONLINE_VIN,
    POLICY,
    SimulatorClock,
    client_for,
    partner_for,
    run_order,
)


def test_na_account_from_an_eu_client_moves_region_once(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    client = client_for(tesla, "na", region="eu")
    calls = CallLog()
    results = fetch_vehicle_modules(
        client,
        vin=NA_ONLINE_VIN,
        vehicle_id=NA_ONLINE_ID,
        modules=["vehicle_data", "recent_alerts", "warranty", "options", "vehicle_specs"],
        charging_sessions=None,
        policy=POLICY,
        clock=clock,
        calls=calls,
        partner=partner_for(),
    )

    assert all(result.outcome == "ok" for result in results.values()), results
    assert client.region == "na"
    ledger = tesla.ledger()
    # The free state check runs alone first, so it takes the only 421 (billed at $0).
    assert ledger["by_status"].get("421") == 1
    (misdirected,) = [entry for entry in ledger["entries"] if entry["status"] == 421]
    assert (misdirected["endpoint"], misdirected["region"]) == ("vehicle", "eu")
    assert {e["region"] for e in ledger["entries"] if e["status"] == 200} == {"na"}
    assert calls.calls[0].statuses == (421, 200)
    assert calls.summary(everything=True).cost_micro_usd == ledger["total_cost_micro_usd"]


def test_whole_na_order_from_an_eu_client(tesla: TeslaSimulator, clock: SimulatorClock) -> None:
    accounts = tesla.accounts()["na"]["vehicles"]
    cars = {car["vin"]: car["id"] for car in accounts}
    calls = CallLog()
    reports = run_order(client_for(tesla, "na", region="eu"), cars, "pro", clock, calls)

    for vin, results in reports.items():
        assert all(result.outcome == "ok" for result in results.values()), (vin, results)
        sessions = results["charging_history"].payload
        assert sessions and all(session["vin"] == vin for session in sessions)
    ledger = tesla.ledger()
    assert ledger["by_status"].get("421") == 1  # the history's first page; billed as data
    assert ledger["by_category"]["wake"]["calls"] == 1  # the sleeping Silver S, once
    assert calls.summary(everything=True).cost_micro_usd == ledger["total_cost_micro_usd"]


def test_concurrent_421s_all_land_in_the_right_region(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    # No vehicle_data, so no state check goes first: four calls meet the 421 at once. The client
    # retries only when it moves region itself; the others retry because it has moved.
    client = client_for(tesla, "na", region="eu")
    results = fetch_vehicle_modules(
        client,
        vin=NA_ONLINE_VIN,
        vehicle_id=NA_ONLINE_ID,
        modules=["recent_alerts", "release_notes", "warranty", "options"],
        charging_sessions=None,
        policy=POLICY,
        clock=clock,
    )
    assert all(result.outcome == "ok" for result in results.values()), results
    assert client.region == "na"
    statuses = tesla.ledger()["by_status"]
    assert statuses["200"] == 4 and 1 <= statuses.get("421", 0) <= 4
