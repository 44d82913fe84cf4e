"""Offline cars finished later: a partial report now, marked with its next attempt; a scheduled
task (a new generation) rebuilds it once the car is online — the complete report becomes the
current one, the partial one stays in the car's history, and nothing is paid again."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from shared.delivery import report_store
from shared.delivery.report_store import CarReport, CarStatus, Claim
from shared.delivery.tasks import task_id
from shared.delivery.worker import _next_attempt_at, car_unreachable
from shared.platform.settings import Settings, get_settings
from shared.reports.normalise import ModuleResult
from tests.delivery.conftest import wait_for_status

FLEET_10 = "5YJSA7E64PF512366"  # offline in the simulator's demo data
FLEET_11 = "5YJXCCE4XLF250693"  # offline
PRO_ENDPOINTS = {"vehicle", "vehicle_data", "recent_alerts", "service_data", "warranty_details",
                 "release_notes", "options"}  # fmt: skip


# --- pure: when a car is tried again ----------------------------------------------------------


def _claim(retries: int) -> Claim:
    return Claim("claimed", CarReport(vehicle_id=1, retries=retries), attempt=1)


def test_only_a_car_that_could_not_be_woken_is_retried_and_on_a_bounded_schedule():
    settings = Settings(car_retry_delays_s=(3600, 21600))
    asleep = {"vehicle_data": ModuleResult.unavailable("car stayed offline for 60 s")}
    broken = {"vehicle_data": ModuleResult.failed("Tesla answered 500")}
    before = datetime.now(UTC)
    first = _next_attempt_at(settings, _claim(0), CarStatus.PARTIAL, asleep)
    second = _next_attempt_at(settings, _claim(1), CarStatus.PARTIAL, asleep)
    assert first is not None and second is not None
    assert timedelta(seconds=3600) <= first - before < timedelta(seconds=3700)
    assert timedelta(seconds=21600) <= second - before < timedelta(seconds=21700)
    assert _next_attempt_at(settings, _claim(2), CarStatus.PARTIAL, asleep) is None  # the end
    assert _next_attempt_at(settings, _claim(0), CarStatus.PARTIAL, broken) is None
    assert _next_attempt_at(settings, _claim(0), CarStatus.COMPLETE, asleep) is None
    assert car_unreachable({"vehicle_data": "unavailable", "warranty": "ok"})
    assert not car_unreachable({"warranty": "unavailable", "charging_history": "unavailable"})


# --- fleet 10 and 11, offline ----------------------------------------------------------------


def _wait_for_cars(session_key: str, done, timeout_s: float = 90) -> dict[int, CarReport]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        cars = report_store.car_documents(get_settings(), session_key)
        if done(cars):
            return cars
        time.sleep(0.2)
    raise AssertionError(f"cars {cars}")


def test_offline_cars_get_partial_reports_now_and_complete_ones_later_without_paying(
    order, fast_tesla, tasks_emulator, monkeypatch
):
    monkeypatch.setenv("CPT_TESLA_WAKE_TIMEOUT_S", "2")
    monkeypatch.setenv("CPT_CAR_RETRY_DELAYS_S", "[3600, 21600, 86400, 259200]")
    get_settings.cache_clear()
    try:
        order.session_id = order.browser.connect("fleet").session_id
        names = {"Fleet 01", "Fleet 10", "Fleet 11"}
        chosen = sorted(car["id"] for car in order.cars() if car["display_name"] in names)
        order.select(chosen, "pro")
        order.quote("PILOT2026")
        assert order.create_intent().json["status"] == "paid"
        paid = wait_for_status(order, "complete")
        first_pass = fast_tesla.ledger()
        report = order.gateway.get(f"/api/v1/tesla/report/{order.session_id}").json

        # The order is complete: every car has its report, the offline ones partial and retried.
        assert report["status"] == "complete"
        by_vin = {v.vin: v.id for v in paid.selected_vehicles}
        offline = {by_vin[FLEET_10], by_vin[FLEET_11]}
        for car in report["vehicles"]:
            if int(car["id"]) in offline:  # the API's ids are strings of digits
                assert car["status"] == "partial" and "offline" in car["reason"]
                next_at = datetime.fromisoformat(car["next_attempt_at"])
                assert timedelta(minutes=59) < next_at - datetime.now(UTC) <= timedelta(hours=1)
            else:
                assert car["status"] == "complete" and car["next_attempt_at"] is None
        assert set(report["reports"]) == {str(car_id) for car_id in chosen}
        assert paid.tokens is not None  # kept for the retries
        for vin in (FLEET_10, FLEET_11):  # the one wake per car is billed and recorded
            assert fast_tesla.ledger(vin=vin)["by_endpoint"]["wake_up"]["calls"] == 1
        cars = report_store.car_documents(get_settings(), paid.session_key)
        for car_id in offline:
            woke = [c for c in cars[car_id].tesla_calls if c["endpoint"] == "wake_up"]
            assert len(woke) == 1 and cars[car_id].generation == 1
        retries = {task_id(paid.order_id, car_id, 1) for car_id in offline}
        scheduled = [t for t in tasks_emulator.tasks() if t["task_id"] in retries]
        assert {t["state"] for t in scheduled} == {"scheduled"} and len(scheduled) == 2

        # The cars come online; an hour later (the emulator's clock) their retries run.
        for vin in (FLEET_10, FLEET_11):
            fast_tesla.set_vehicle(vin, state="online")
        fast_tesla.admin("ledger/reset", {})
        tasks_emulator.advance(3601)
        cars = _wait_for_cars(
            paid.session_key,
            lambda cars: all(
                cars[i].status == "complete" and not cars[i].lease_until for i in offline
            ),
        )
        assert tasks_emulator.wait_idle()
        done = order.session()
        after = order.gateway.get(f"/api/v1/tesla/report/{order.session_id}").json
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        tasks_emulator.reset()

    assert after["status"] == "complete"
    assert {car["status"] for car in after["vehicles"]} == {"complete"}
    assert all(car["next_attempt_at"] is None for car in after["vehicles"])
    assert done.payment == paid.payment  # no new payment
    assert done.tokens is None  # the last retry ended: nothing more to fetch
    for car_id in offline:
        car = cars[car_id]
        assert after["reports"][str(car_id)]["status"] == "complete"
        assert car.json_path == f"{paid.order_id}/{car_id}.g1.json"  # the current report
        [earlier] = car.history  # the partial one, kept
        assert earlier.status == CarStatus.PARTIAL
        assert earlier.json_path == f"{paid.order_id}/{car_id}.json"
        assert report_store.load_report_json(get_settings(), earlier.json_path)["status"] == (
            "partial"
        )
        # Every attempt's calls are on the car: the first pass's and the retry's.
        assert len(car.attempt_calls) == 2
    # The retry made the package's calls for each car once, no wake, no new charging history.
    for vin in (FLEET_10, FLEET_11):
        retry = {
            name: row["calls"]
            for name, row in fast_tesla.ledger(vin=vin)["by_endpoint"].items()
            if row["calls"]
        }
        assert set(retry) <= PRO_ENDPOINTS and all(n == 1 for n in retry.values()), retry
    assert "charging_history" not in fast_tesla.ledger()["by_endpoint"]
    assert first_pass["billed_calls"] > 0
