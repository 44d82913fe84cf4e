"""Broken paid orders, made with the real emulators, for the reconciler to repair."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.delivery import report_store
from shared.orders import sessions
from shared.platform.clients import storage_client
from shared.platform.settings import get_settings
from tests.connect.conftest import Browser
from tests.payments.conftest import OrderDriver

RECONCILE = "/api/v1/internal/operations/reconcile"


@pytest.fixture
def browser(gateway, tesla, firestore_db, seen_secrets) -> Browser:
    return Browser(gateway, tesla, seen_secrets)


@pytest.fixture
def order(browser, live_gateway, stripe_api, gcs_bucket, tesla) -> OrderDriver:
    tesla.admin("settings", {"wake_delay_seconds": 0})
    return OrderDriver(browser, stripe_api)


def reconcile(order: OrderDriver) -> dict[str, Any]:
    """One run through the function, as Cloud Scheduler (or the local admin trigger) calls it."""
    response = order.gateway.post(RECONCILE, json={})
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.json
    assert body["failures"] == 0, body
    return body


def age_order(firestore_db, session_key: str, seconds: int = 600) -> None:
    """Move the payment back in time: the reconciler leaves recent payments to their request."""
    reference = firestore_db.collection(get_settings().sessions_collection).document(session_key)
    paid_at = reference.get().get("paid_at")
    reference.update({"paid_at": paid_at - timedelta(seconds=seconds)})


def set_car(firestore_db, session_key: str, car: int, **fields: Any) -> None:
    """Merge ``fields`` into the car's document (made if missing), as a worker would have."""
    settings = get_settings()
    firestore_db.collection(settings.sessions_collection, session_key, "car_reports").document(
        str(car)
    ).set({"vehicle_id": car, **fields}, merge=True)


def ago(seconds: int) -> datetime:
    return datetime.now(UTC) - timedelta(seconds=seconds)


def delete_blob(path: str) -> None:
    storage_client().bucket(get_settings().reports_bucket).blob(path).delete()


def blob_exists(path: str) -> bool:
    return report_store.blob_exists(get_settings(), path)


def wait_for_blob(path: str, timeout_s: float = 15.0) -> None:
    """Until ``path`` exists: delivery.json is written just after the order turns complete
    (outside the completing transaction), so a test that saw "complete" may be early."""
    deadline = time.monotonic() + timeout_s
    while not blob_exists(path):
        assert time.monotonic() < deadline, f"{path} was never written"
        time.sleep(0.1)


def session_of(order: OrderDriver) -> sessions.OrderSession:
    return sessions.load_session(get_settings(), order.session_id)
