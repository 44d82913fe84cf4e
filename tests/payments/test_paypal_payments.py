"""PayPal end to end through the simulator: create, approve, capture, verified webhooks."""

from __future__ import annotations

import pytest

from shared.orders.manifests import read_manifest
from shared.orders.order_state import SessionStatus
from shared.platform.settings import get_settings
from tests.payments.conftest import PAID_OR_LATER


@pytest.fixture
def paypal_order(order, paypal, live_gateway):
    paypal.admin("webhooks", {"url": f"{live_gateway}/api/v1/payment/paypal/webhook"})
    paypal.settings(webhook_delivery="inline")
    order.ready()
    created = order.create_intent("paypal")
    assert created.status_code == 200, created.json
    return order, created.json


def _capture(order):
    return order.gateway.post(
        "/api/v1/payment/paypal/capture", json={"session_id": order.session_id}
    )


def test_approve_and_capture_pays_once(paypal_order, paypal):
    order, created = paypal_order
    assert created["provider"] == "paypal" and created["amount_cents"] == 2999
    assert created["paypal"]["approve_url"].startswith(f"{paypal.url}/checkoutnow?token=")
    paypal_id = created["paypal"]["order_id"]
    assert paypal.admin(f"orders/{paypal_id}")["order"]["purchase_units"][0]["amount"] == {
        "currency_code": "EUR",
        "value": "29.99",
    }
    # Same quote again: the same PayPal order.
    assert order.create_intent("paypal").json["paypal"]["order_id"] == paypal_id

    paypal.approve(paypal_id)
    response = _capture(order)
    assert response.status_code == 200, response.json
    assert response.json["status"] in PAID_OR_LATER
    # The capture webhook arrived too (inline delivery) and changed nothing.
    session = order.session()
    assert session.status.value in PAID_OR_LATER
    assert session.payment is not None
    assert session.payment.provider == "paypal" and session.payment.method == "paypal"
    manifest = read_manifest(get_settings(), session.order_id)
    assert manifest["payment_id"] == session.payment.payment_id
    again = _capture(order).json
    assert again["status"] in PAID_OR_LATER and again["outcome"] == "already_settled"


def test_declined_capture_leaves_the_order_payable(paypal_order, paypal):
    order, created = paypal_order
    paypal_id = created["paypal"]["order_id"]
    paypal.approve(paypal_id)
    paypal.admin("capture-outcomes", {"outcome": "instrument_declined", "order_id": paypal_id})
    response = _capture(order)
    assert response.status_code == 409
    assert response.json["error"]["reason"] == "payment_declined"
    assert order.session().status == SessionStatus.VEHICLES_SELECTED
    paypal.approve(paypal_id)  # the buyer approves again with another funding source
    assert _capture(order).json["status"] in PAID_OR_LATER


def test_replayed_and_forged_webhooks(paypal_order, paypal, live_gateway):
    order, created = paypal_order
    paypal_id = created["paypal"]["order_id"]
    paypal.approve(paypal_id)
    assert _capture(order).json["status"] in PAID_OR_LATER
    events = paypal.admin(f"events?event_type=PAYMENT.CAPTURE.COMPLETED&order_id={paypal_id}")
    event = events["events"][0]
    url = f"{live_gateway}/api/v1/payment/paypal/webhook"
    replay = paypal.admin(f"events/{event['id']}/deliver", {"url": url})
    assert [d["status_code"] for d in replay["deliveries"]] == [200]
    paid = order.session()
    assert paid.status.value in PAID_OR_LATER and paid.payment_issues == []

    forged = order.gateway.post(
        "/api/v1/payment/paypal/webhook",
        json={
            **event,
            "resource": {**event["resource"], "amount": {"currency_code": "EUR", "value": "0.01"}},
        },
        headers={
            "PAYPAL-TRANSMISSION-ID": "x",
            "PAYPAL-TRANSMISSION-TIME": "2026-01-01T00:00:00Z",
            "PAYPAL-TRANSMISSION-SIG": "forged",
            "PAYPAL-CERT-URL": f"{paypal.url}/cert.pem",
            "PAYPAL-AUTH-ALGO": "SHA256withRSA",
        },
    )
    assert forged.status_code == 400
    assert forged.json["error"]["code"] == "invalid_signature"


def test_webhook_settles_when_the_capture_answer_was_lost(paypal_order, paypal):
    """PayPal captured but our capture call got a 503: the verified webhook still pays."""
    order, created = paypal_order
    paypal_id = created["paypal"]["order_id"]
    paypal.approve(paypal_id)
    paypal.admin(
        "faults",
        {"kind": "error", "endpoint": "capture_order", "status": 503, "count": 1, "after": True},
    )
    lost = _capture(order)
    assert lost.status_code == 503
    assert order.session().status.value in PAID_OR_LATER  # the webhook settled it
    assert _capture(order).json["status"] in PAID_OR_LATER
