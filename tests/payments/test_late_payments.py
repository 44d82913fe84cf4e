"""Money confirmed late: delivered while the order can still be delivered, else refunded at once.

"Later" is the clock advanced the way it matters to the code: the session's ``expires_at`` is
put in the past (its 30 minutes and the payment window gone, TTL not yet run), or the session
document is deleted (TTL ran). Each payment is matched through the ledger record of its order.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests

from shared.orders import sessions
from shared.payments import ledger
from shared.platform.clients import firestore_client
from shared.platform.settings import get_settings
from tests.payments.conftest import PAID_OR_LATER, STRIPE_KEY


def _expire(order) -> str:
    key = sessions.session_key(order.session_id)
    sessions.update_session_by_key(
        get_settings(),
        key,
        lambda s: s.model_copy(update={"expires_at": datetime.now(UTC) - timedelta(seconds=1)}),
    )
    return key


def _wait_paid(key: str) -> sessions.OrderSession:
    import time

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        session = sessions.load_session_by_key(get_settings(), key, allow_expired=True)
        if session.status.value in PAID_OR_LATER:
            return session
        time.sleep(0.1)
    raise AssertionError("the late payment was not delivered")


def _wait_ledger(order_id: str, field: str) -> dict:
    import time

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        record = ledger.find(get_settings(), order_id) or {}
        if record.get(field):
            return record
        time.sleep(0.1)
    raise AssertionError(f"the ledger has no {field}")


def test_create_intent_keeps_the_session_for_the_payment_window(order):
    order.ready()
    before = datetime.now(UTC)
    assert order.create_intent().status_code == 200
    window = timedelta(seconds=get_settings().payment_window_s)
    assert order.session().expires_at >= before + window - timedelta(seconds=5)
    record = ledger.find(get_settings(), order.session().order_id)
    assert record is not None and record["payment"]["state"] == "pending"
    assert record["total_cents"] == 2999 and record["vat_cents"] == 609


def test_stripe_payment_after_the_session_expired_is_delivered(order):
    order.ready()
    intent_id = order.create_intent().json["stripe"]["payment_intent_id"]
    key = _expire(order)
    assert order.pay_with_card(intent_id)["status"] == "succeeded"
    paid = _wait_paid(key)
    assert paid.payment is not None and paid.payment.payment_id == intent_id
    record = ledger.find(get_settings(), paid.order_id)
    assert record is not None and record["payment"]["state"] == "paid"


def test_stripe_payment_after_the_session_is_gone_is_refunded_in_full(order):
    order.ready()
    intent_id = order.create_intent().json["stripe"]["payment_intent_id"]
    order_id = order.session().order_id
    key = _expire(order)
    firestore_client().collection(get_settings().sessions_collection).document(key).delete()
    assert order.pay_with_card(intent_id)["status"] == "succeeded"
    record = _wait_ledger(order_id, "late_payments")
    (late,) = record["late_payments"]
    assert late["reason"] == "session_gone" and late["amount_cents"] == 2999
    refund = requests.get(
        f"{order.stripe_api}/v1/refunds/{late['refund']}", auth=STRIPE_KEY, timeout=10
    ).json()
    assert refund["amount"] == 2999 and refund["payment_intent"] == intent_id


def test_paypal_pending_capture_completed_later_is_delivered(order, paypal, live_gateway):
    paypal.admin("webhooks", {"url": f"{live_gateway}/api/v1/payment/paypal/webhook"})
    paypal.settings(webhook_delivery="inline")
    order.ready()
    paypal_id = order.create_intent("paypal").json["paypal"]["order_id"]
    paypal.approve(paypal_id)
    paypal.admin("capture-outcomes", {"outcome": "pending", "order_id": paypal_id})
    captured = order.gateway.post(
        "/api/v1/payment/paypal/capture", json={"session_id": order.session_id}
    )
    assert captured.status_code == 200 and captured.json["outcome"] == "not_completed:PENDING"
    key = _expire(order)
    view = paypal.admin(f"orders/{paypal_id}")["order"]
    capture_id = view["purchase_units"][0]["payments"]["captures"][0]["id"]
    paypal.admin(f"captures/{capture_id}/complete", {})  # the webhook is delivered inline
    paid = _wait_paid(key)
    assert paid.payment is not None and paid.payment.payment_id == capture_id
