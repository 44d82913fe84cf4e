"""A burst of ``POST /reports/generate`` right after payment: never a 500, one build per car."""

from __future__ import annotations

import pytest
import requests

from shared.delivery import report_store
from shared.platform.settings import get_settings
from tests.delivery.conftest import wait_for_status
from tests.payments.test_contention import assert_clean, burst

FAMILY = ("LRW3E7FA1NC208561", "XP7YGCEL3PB109274")


def _paid_then_burst(order, fast_tesla, live_gateway: str, concurrency: int):
    order.ready("family", "pro")
    intent = order.create_intent().json["stripe"]
    order.browser.ledger.add(intent["client_secret"])
    fast_tesla.admin("ledger/reset", {})
    assert order.pay_with_card(intent["payment_intent_id"])["status"] == "succeeded"
    # The webhook is on its way and starts generation; the WUI's retries race it.
    order.wait_for(lambda s: s.status in ("paid", "generating", "complete"))
    url = f"{live_gateway}/api/v1/reports/generate"
    body = {"session_id": order.session_id}
    responses = burst([lambda: requests.post(url, json=body, timeout=60)] * concurrency)
    assert_clean(responses, retry_after=True)
    assert any(r.ok for r in responses)
    session = wait_for_status(order, "complete")
    return report_store.car_documents(get_settings(), session.session_key)


@pytest.mark.parametrize("concurrency", [8, 20])
def test_concurrent_generate_calls_are_never_a_500_and_the_order_completes(
    order, fast_tesla, live_gateway: str, concurrency: int
):
    cars = _paid_then_burst(order, fast_tesla, live_gateway, concurrency)
    assert {car.status for car in cars.values()} == {"complete"}
    reports = order.gateway.get(f"/api/v1/tesla/report/{order.session_id}").json["reports"]
    assert set(reports) == {str(vehicle_id) for vehicle_id in cars}


def test_a_generate_burst_builds_and_bills_each_car_once(order, fast_tesla, live_gateway: str):
    cars = _paid_then_burst(order, fast_tesla, live_gateway, 20)
    for vin in FAMILY:  # one set of billed calls per car
        by_endpoint = fast_tesla.ledger(vin=vin)["by_endpoint"]
        assert by_endpoint["vehicle_data"]["calls"] == 1, by_endpoint
    assert all(car.attempts == 1 for car in cars.values()), cars
