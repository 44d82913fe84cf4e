"""The WUI can read why a payment failed (issue 12, item 4): GET /tesla/report/{session_id}
answers an unpaid order's payment with its ``last_failure``, after a declined card (a real
``payment_intent.payment_failed`` from localstripe), a cancelled intent, a PayPal funding source
declined at capture, and a PayPal capture denied. Each event's ``payment_events`` row names the
order and the provider's payment ids, never the session."""

from __future__ import annotations

import json
import time

import requests
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.payments.webhooks import EVENTS_COLLECTION
from shared.platform.clients import firestore_client
from tests.payments.conftest import PAID_OR_LATER, STRIPE_KEY
from tests.payments.test_ledger_events import _event
from tests.payments.test_stripe_payments import _deliver

DECLINING_CARD = "pm_card_chargeCustomerFail"  # attaches, then the charge is declined


def _payment(order) -> dict:
    response = order.gateway.get(f"/api/v1/tesla/report/{order.session_id}")
    assert response.status_code == 200, response.json
    return response.json["payment"]


def _wait_failure(order, timeout_s: float = 10) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        payment = _payment(order)
        if payment["last_failure"] is not None:
            return payment
        time.sleep(0.1)
    raise AssertionError("no failure was recorded")


def event_rows(**where: str) -> list[dict]:
    query = firestore_client().collection(EVENTS_COLLECTION)
    for field, value in where.items():
        query = query.where(filter=FieldFilter(field, "==", value))
    return [snapshot.to_dict() for snapshot in query.stream()]


def test_a_declined_card_is_shown_and_the_intent_stays_usable(order):
    order.ready()
    assert order.gateway.get(f"/api/v1/tesla/report/{order.session_id}").status_code == 409
    intent_id = order.create_intent().json["stripe"]["payment_intent_id"]
    assert _payment(order) == {
        "state": "pending",
        "provider": "stripe",
        "method": "stripe",
        "amount_cents": 2999,
        "currency": "EUR",
        "last_failure": None,
    }
    order.pay_with_card(intent_id, DECLINING_CARD)  # localstripe: 402, then its webhook

    payment = _wait_failure(order)
    failure = payment["last_failure"]
    assert payment["state"] == "pending"
    assert failure["code"] == "card_declined"
    assert failure["message"] == (
        "Your card was declined. Please use another card or payment method."
    )
    body = order.gateway.get(f"/api/v1/tesla/report/{order.session_id}").json
    assert body["status"] == "vehicles_selected" and body["vehicles"] == []
    order_id = order.session().order_id
    (row,) = event_rows(type="payment_intent.payment_failed", order_id=order_id)
    assert row["intent_id"] == intent_id and row["outcome"] == "payment_failed_recorded"

    # The intent stays usable: the same quote again answers the same intent (localstripe
    # cannot confirm an intent twice, so the retry itself is Stripe.js's business).
    assert order.create_intent().json["stripe"]["payment_intent_id"] == intent_id


def test_payment_events_rows_tie_each_event_to_its_order(order):
    order.ready()
    intent_id = order.create_intent().json["stripe"]["payment_intent_id"]
    assert order.pay_with_card(intent_id)["status"] == "succeeded"
    paid = order.wait_for(lambda s: s.status.value in PAID_OR_LATER)
    deadline = time.monotonic() + 10
    while not (rows := event_rows(type="payment_intent.succeeded", order_id=paid.order_id)):
        assert time.monotonic() < deadline, "the webhook's row was not written"
        time.sleep(0.1)
    (row,) = rows
    assert (row["intent_id"], row["payment_id"]) == (intent_id, intent_id)
    assert row["outcome"] == "paid" and row["provider"] == "stripe"
    assert order.session_id not in json.dumps(row, default=str)

    refund = {"id": "ch_row", "object": "charge", "payment_intent": intent_id, "amount": 2999,
              "amount_refunded": 2999, "status": "succeeded"}  # fmt: skip
    _deliver(order, _event("evt_row_refund", "charge.refunded", refund))
    (row,) = event_rows(event_id="evt_row_refund")
    assert row["order_id"] == paid.order_id and row["payment_id"] == intent_id
    assert row["object_id"] == "ch_row" and row["outcome"] == "recorded:refunds"


def test_a_cancelled_intent_is_shown_and_replaced_at_the_next_attempt(order):
    order.ready()
    intent_id = order.create_intent().json["stripe"]["payment_intent_id"]
    cancelled = requests.post(
        f"{order.stripe_api}/v1/payment_intents/{intent_id}/cancel", auth=STRIPE_KEY, timeout=10
    )
    assert cancelled.json()["status"] == "canceled"
    resource = {"id": intent_id, "object": "payment_intent", "status": "canceled"}
    response = _deliver(order, _event("evt_cancel_1", "payment_intent.canceled", resource))
    assert response.json["outcome"] == "payment_canceled_recorded"
    failure = _payment(order)["last_failure"]
    assert failure["code"] == "canceled"

    again = order.create_intent().json["stripe"]["payment_intent_id"]
    assert again != intent_id  # a cancelled intent can never be paid: a new one
    assert _payment(order)["last_failure"] is None


def test_paypal_declines_are_shown(order, paypal, live_gateway):
    paypal.admin("webhooks", {"url": f"{live_gateway}/api/v1/payment/paypal/webhook"})
    paypal.settings(webhook_delivery="inline")
    order.ready()
    paypal_id = order.create_intent("paypal").json["paypal"]["order_id"]
    paypal.approve(paypal_id)
    paypal.admin("capture-outcomes", {"outcome": "instrument_declined", "order_id": paypal_id})
    capture = {"session_id": order.session_id}
    declined = order.gateway.post("/api/v1/payment/paypal/capture", json=capture)
    assert declined.status_code == 409
    assert _payment(order)["last_failure"]["code"] == "instrument_declined"
    # The same PayPal order is approved again (another funding source), and PayPal denies it.
    assert order.create_intent("paypal").json["paypal"]["order_id"] == paypal_id
    paypal.approve(paypal_id)
    paypal.admin("capture-outcomes", {"outcome": "declined", "order_id": paypal_id})
    denied = order.gateway.post("/api/v1/payment/paypal/capture", json=capture)
    assert denied.status_code == 200 and denied.json["outcome"] == "not_completed:DECLINED"
    failure = _payment(order)["last_failure"]
    assert failure["code"] == "capture_denied"
    assert failure["message"].startswith("PayPal denied the payment.")
    (row,) = event_rows(type="PAYMENT.CAPTURE.DENIED", intent_id=paypal_id)
    assert row["order_id"] == order.session().order_id and row["payment_id"]
    # A denied PayPal order cannot be captured again: the next attempt gets a new one.
    assert order.create_intent("paypal").json["paypal"]["order_id"] != paypal_id
