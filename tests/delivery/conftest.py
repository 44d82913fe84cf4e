"""Paid orders whose reports are built through the real Cloud Tasks emulator and the worker."""

from __future__ import annotations

import time

import pytest

from shared.delivery import report_store
from shared.orders import sessions
from shared.platform.settings import get_settings
from tests.connect.conftest import Browser
from tests.payments.conftest import OrderDriver


@pytest.fixture
def browser(gateway, tesla, firestore_db, seen_secrets) -> Browser:
    return Browser(gateway, tesla, seen_secrets)


@pytest.fixture
def fast_tesla(tesla):
    """Cars wake at once (in simulated time) so reports do not wait out real seconds."""
    tesla.admin("settings", {"wake_delay_seconds": 0})
    return tesla


@pytest.fixture
def order(browser, live_gateway, stripe_api, gcs_bucket, fast_tesla) -> OrderDriver:
    return OrderDriver(browser, stripe_api)


def wait_for_status(
    order: OrderDriver, *statuses: str, timeout_s: float = 90
) -> sessions.OrderSession:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        session = sessions.load_session(get_settings(), order.session_id)
        if session.status.value in statuses:
            return session
        time.sleep(0.2)
    cars = report_store.car_documents(get_settings(), session.session_key)
    raise AssertionError(f"status {session.status.value}, cars {cars}")


def pay_free(order: OrderDriver, account: str = "family", package: str = "pro") -> None:
    """A 100 % voucher: paid at once, so generation starts inside create-intent."""
    order.ready(account=account, package=package, voucher="PILOT2026")
    response = order.create_intent()
    assert response.json["status"] == "paid", response.json
