"""An order ready to pay, and a card payment the way Stripe.js makes one (against localstripe)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

from shared.orders import sessions
from shared.platform.settings import get_settings
from tests.connect.conftest import Browser

STRIPE_KEY = ("sk_test_local", "")
# Paid orders go straight on to generating their reports (and may finish during a test).
PAID_OR_LATER = {"paid", "generating", "complete"}


@pytest.fixture
def browser(gateway, tesla, firestore_db, seen_secrets) -> Browser:
    return Browser(gateway, tesla, seen_secrets)


@pytest.fixture
def order(browser: Browser, live_gateway: str, stripe_api: str, gcs_bucket):
    """Connect the family account, select both cars with Pro, quote: returns a helper."""
    return OrderDriver(browser, stripe_api)


class OrderDriver:
    def __init__(self, browser: Browser, stripe_api: str) -> None:
        self.browser = browser
        self.gateway = browser.gateway
        self.stripe_api = stripe_api
        self.session_id = ""

    def ready(self, account: str = "family", package: str = "pro", voucher: str | None = None):
        self.session_id = self.browser.connect(account).session_id
        cars = self.cars()
        self.select([car["id"] for car in cars], package)
        self.quote(voucher)
        return self

    def cars(self) -> list[dict[str, Any]]:
        return self.gateway.get(f"/api/v1/tesla/session/{self.session_id}/vehicles").json[
            "vehicles"
        ]

    def select(self, ids: list[int], package: str):
        response = self.gateway.post(
            f"/api/v1/tesla/session/{self.session_id}/select",
            json={"vehicle_ids": ids, "package": package},
        )
        assert response.status_code == 200, response.json
        return response

    def quote(self, voucher: str | None = None):
        body = {"session_id": self.session_id}
        if voucher:
            body["voucher_code"] = voucher
        response = self.gateway.post("/api/v1/pricing/quote", json=body)
        assert response.status_code == 200, response.json
        return response.json

    def create_intent(self, method: str = "stripe", **extra: Any):
        return self.gateway.post(
            "/api/v1/payment/create-intent",
            json={"session_id": self.session_id, "method": method, **extra},
        )

    def session(self) -> sessions.OrderSession:
        return sessions.load_session(get_settings(), self.session_id)

    def pay_with_card(self, intent_id: str, payment_method: str = "pm_card_visa") -> dict:
        """What Stripe.js does in the browser: attach the card, confirm."""
        attach = requests.post(
            f"{self.stripe_api}/v1/payment_intents/{intent_id}",
            data={"payment_method": payment_method},
            auth=STRIPE_KEY,
            timeout=10,
        )
        assert attach.status_code == 200, attach.text
        confirm = requests.post(
            f"{self.stripe_api}/v1/payment_intents/{intent_id}/confirm", auth=STRIPE_KEY, timeout=10
        )
        return confirm.json()

    def wait_for(self, predicate: Callable[[sessions.OrderSession], bool], timeout_s: float = 10):
        """localstripe sends its webhook about a second after the event."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            current = sessions.load_session(get_settings(), self.session_id)
            if predicate(current):
                return current
            time.sleep(0.1)
        raise AssertionError("the session did not reach the expected state")
