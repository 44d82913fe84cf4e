"""Each package bills exactly its Tesla calls, per Tesla's ledger (the simulator's).

The roadmap says "Tesla API calls per vehicle: Basic 1 / Pro 7 / Expert 8" and prices Pro at
$0.014 a car. Charging history is the reason the count per car is not exactly 7: Tesla's
``/api/1/dx/charging/history`` is account-level, so we call it once per ORDER, page by page
(100 sessions a page), and split the rows by VIN. What the ledger shows is therefore

* per car: Basic 1 data call, Pro 6 data calls (vehicle_data, alerts, service data, warranty,
  release notes, options), Expert the same 6 plus 1 specs call ($0.10);
* per order: ceil(sessions / 100) charging-history pages (at least 1) for Pro and Expert. With a
  single car we also send ``vin=``, so Tesla pages through that car's sessions only.

So a one-car order matches the roadmap exactly (1 / 7 / 8 calls, $0.002 / $0.014 / $0.114) as
long as the car has at most 100 Supercharger sessions, and a fleet order costs fewer calls than
7 per car. The free "is it awake?" check (``GET /api/1/vehicles/{vin}``) is billed at $0 and
does not count.
"""

from __future__ import annotations

import time

import pytest

from shared.tesla.billing import PRICE_MICRO_USD, BillingCategory
from shared.tesla.calls import CallLog
from tests.fixtures.tesla_sim import TeslaSimulator
from tests.tesla.helpers import (
    FLEET_ONLINE,
    SOLO_ID,
    SOLO_VIN,
    SimulatorClock,
    client_for,
    endpoints_of,
    paid_entries,
    run_order,
)

PER_CAR = {
    "basic": ["vehicle_data"],
    "pro": [
        "options",
        "recent_alerts",
        "release_notes",
        "service_data",
        "vehicle_data",
        "warranty_details",
    ],
    "expert": [
        "options",
        "recent_alerts",
        "release_notes",
        "service_data",
        "specs",
        "vehicle_data",
        "warranty_details",
    ],
}
ROADMAP_CALLS_PER_CAR = {"basic": 1, "pro": 7, "expert": 8}
ROADMAP_COST_PER_CAR_MICRO_USD = {"basic": 2_000, "pro": 14_000, "expert": 114_000}


@pytest.mark.parametrize("package", ["basic", "pro", "expert"])
def test_one_car_order_bills_exactly_the_package(
    package: str, tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    calls = CallLog()
    reports = run_order(client_for(tesla, "solo"), {SOLO_VIN: SOLO_ID}, package, clock, calls)

    results = reports[SOLO_VIN]
    assert {name: result.outcome for name, result in results.items()} == dict.fromkeys(
        results, "ok"
    )
    # With one car the history is asked for with vin=, so Tesla's ledger files it under that VIN;
    # our record keeps it order-level (vin None), as for a fleet.
    car_paid = [e for e in paid_entries(tesla, vin=SOLO_VIN) if e["endpoint"] != "charging_history"]
    assert endpoints_of(car_paid) == PER_CAR[package]
    all_paid = paid_entries(tesla)
    history_pages = [entry for entry in all_paid if entry["endpoint"] == "charging_history"]
    assert len(history_pages) == (0 if package == "basic" else 1)  # 24 sessions: one page
    assert len(all_paid) == ROADMAP_CALLS_PER_CAR[package]
    ledger = tesla.ledger(entries="false")
    assert ledger["total_cost_micro_usd"] == ROADMAP_COST_PER_CAR_MICRO_USD[package]
    assert "wake" not in ledger["by_category"]  # the car was online: no wake
    # Our own record of the calls agrees with Tesla's bill, cent for cent.
    assert calls.summary(everything=True).cost_micro_usd == ledger["total_cost_micro_usd"]
    assert calls.summary(SOLO_VIN).cost_micro_usd == sum(e["cost_micro_usd"] for e in car_paid)
    assert clock.sleeps == []


def test_fleet_order_bills_six_per_car_and_one_paged_history(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    calls = CallLog()
    reports = run_order(client_for(tesla, "fleet"), FLEET_ONLINE, "pro", clock, calls)

    for vin, results in reports.items():
        assert all(result.outcome == "ok" for result in results.values()), (vin, results)
        assert endpoints_of(paid_entries(tesla, vin=vin)) == PER_CAR["pro"]
        assert calls.summary(vin).cost_micro_usd == 6 * PRICE_MICRO_USD[BillingCategory.DATA]
    # The account holds 360 sessions (all 12 cars): 4 pages of 100, once for the whole order.
    history = [e for e in paid_entries(tesla) if e["endpoint"] == "charging_history"]
    assert len(history) == 4
    assert all(entry["vin"] is None for entry in history)
    assert len(paid_entries(tesla)) == 6 * len(FLEET_ONLINE) + 4  # 34, where 7 per car is 35
    assert calls.per_vin()[None].billed_calls == 4


def test_independent_modules_are_fetched_concurrently(
    tesla: TeslaSimulator, clock: SimulatorClock
) -> None:
    client = client_for(tesla, "solo")
    tesla.inject(kind="latency", seconds=0.25)  # every Fleet call answers after 250 ms
    started = time.monotonic()
    reports = run_order(client, {SOLO_VIN: SOLO_ID}, "pro", clock, CallLog())
    elapsed = time.monotonic() - started

    assert all(result.outcome == "ok" for result in reports[SOLO_VIN].values())
    # 8 calls (history, state check, 6 modules) would take 2 s one after another; with 4
    # workers the 6 modules take two rounds: about 4 × 250 ms in all.
    assert elapsed < 1.6
