"""``{order_id}/delivery.json`` is kept six years with the bookkeeping (dispute evidence), so it
holds no personal data but the masked VIN: no full VIN (not even in the Tesla calls), no token,
no owner name or e-mail, no car name, no location (issue 12, item 3)."""

from __future__ import annotations

import json
import time

import pytest

from shared.delivery import report_store
from shared.platform.clients import storage_client
from shared.platform.settings import get_settings
from tests.delivery.conftest import pay_free, wait_for_status

FAMILY_VINS = ("LRW3E7FA1NC208561", "XP7YGCEL3PB109274")
CAR_FIELDS = {"vehicle_id", "vin", "status", "reason", "modules", "tesla_calls",
              "tesla_cost_micro_usd", "next_attempt_at", "earlier_reports"}  # fmt: skip
PERSONAL = ("display_name", "email", "latitude", "longitude", "token", "owner", "name")


def test_the_record_masks_vins_and_keeps_only_the_named_call_fields() -> None:
    call = {"endpoint": "vehicle_data", "method": "GET", "vin": FAMILY_VINS[0], "status": 200,
            "statuses": [200], "attempts": 1, "category": "data", "billed_attempts": 1,
            "cost_micro_usd": 2000, "access_token": "secret", "location": [60.1, 24.9]}  # fmt: skip
    record = report_store.DeliveryRecord(
        order_id="ord_1",
        completed_at="2026-12-01T12:00:00+00:00",
        cars=[
            report_store.DeliveredCar(
                vehicle_id=1,
                vin=FAMILY_VINS[0],
                status=None,
                reason=None,
                modules=None,
                tesla_calls=[call],
                tesla_cost_micro_usd=2000,
            )
        ],
        order_tesla_calls={"state": "done", "lease_until": None, "tesla_calls": [call]},
    )
    dumped = json.dumps(record.model_dump(mode="json"))
    assert FAMILY_VINS[0] not in dumped and "LRW3E7FA1NC20****" in dumped
    assert "secret" not in dumped and "location" not in dumped
    assert set(record.cars[0].tesla_calls[0]) == set(report_store.DELIVERY_CALL_FIELDS)
    assert set(record.order_tesla_calls) == {"state", "tesla_calls"}


@pytest.fixture
def delivering(order, tesla):
    tesla.admin("settings", {"wake_delay_seconds": 0})  # cars wake at once (simulated time)
    return order


def test_the_stored_delivery_record_holds_no_personal_data(delivering) -> None:
    pay_free(delivering, "family", "pro")
    session = wait_for_status(delivering, "complete")
    blob = (
        storage_client()
        .bucket(get_settings().reports_bucket)
        .blob(f"{session.order_id}/delivery.json")
    )
    # The record is written right after the order turns complete: wait for it, a little.
    deadline = time.monotonic() + 15
    while not blob.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    text = blob.download_as_text()
    stored = json.loads(text)

    assert set(stored) == {"order_id", "completed_at", "cars", "order_tesla_calls"}
    assert set(stored["order_tesla_calls"]) <= set(report_store.DELIVERY_HISTORY_FIELDS)
    assert len(stored["cars"]) == 2
    for car in stored["cars"]:
        assert set(car) == CAR_FIELDS
        assert car["vin"].endswith("****")
        assert car["tesla_calls"], "the Tesla calls are the evidence a dispute needs"
        for call in car["tesla_calls"]:
            assert set(call) <= set(report_store.DELIVERY_CALL_FIELDS)
            assert call["vin"] is None or call["vin"].endswith("****")
    for vin in FAMILY_VINS:
        assert vin not in text
    for vehicle in session.selected_vehicles:
        if vehicle.display_name:
            assert vehicle.display_name not in text
    lowered = text.lower()
    for word in PERSONAL:
        assert f'"{word}"' not in lowered
    assert delivering.session_id not in text
