"""PayPal money after payment, end to end with the simulator (issue 12, item 4): refunds,
reversals and disputes land on the order's ledger (a dispute with the evidence the order holds),
each event's row names the order and the capture; money that finds no session is refunded at
PayPal at once, like Stripe's."""

from __future__ import annotations

import time

from google.cloud.firestore_v1.base_query import FieldFilter

from shared.payments import ledger
from shared.payments.webhooks import EVENTS_COLLECTION
from shared.platform.clients import firestore_client
from shared.platform.settings import get_settings
from tests.payments.conftest import PAID_OR_LATER
from tests.payments.test_late_payments import _expire, _wait_ledger


def _paid_with_paypal(order, paypal, live_gateway) -> tuple[str, str]:
    paypal.admin("webhooks", {"url": f"{live_gateway}/api/v1/payment/paypal/webhook"})
    paypal.settings(webhook_delivery="inline")
    order.ready()
    paypal_id = order.create_intent("paypal").json["paypal"]["order_id"]
    paypal.approve(paypal_id)
    captured = order.gateway.post(
        "/api/v1/payment/paypal/capture", json={"session_id": order.session_id}
    )
    assert captured.json["status"] in PAID_OR_LATER, captured.json
    session = order.session()
    assert session.payment is not None and session.payment.payment_id
    return session.order_id, session.payment.payment_id


def _row(event_type: str, order_id: str) -> dict:
    query = (
        firestore_client()
        .collection(EVENTS_COLLECTION)
        .where(filter=FieldFilter("type", "==", event_type))
        .where(filter=FieldFilter("order_id", "==", order_id))
    )
    (row,) = [snapshot.to_dict() for snapshot in query.stream()]
    return row


def _wait_for(predicate, timeout_s: float = 10):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_a_refund_made_at_paypal_is_recorded_on_the_ledger(order, paypal, live_gateway):
    order_id, capture_id = _paid_with_paypal(order, paypal, live_gateway)
    refund = paypal.call("POST", f"/v2/payments/captures/{capture_id}/refund", json={}).json()

    record = _wait_for(lambda: (ledger.find(get_settings(), order_id) or {}).get("refunds"))
    (refunded,) = record
    assert refunded["object_id"] == refund["id"] and refunded["payment_id"] == capture_id
    assert (refunded["amount_cents"], refunded["currency"]) == (2999, "EUR")
    assert refunded["type"] == "PAYMENT.CAPTURE.REFUNDED" and refunded["status"] == "COMPLETED"
    row = _row("PAYMENT.CAPTURE.REFUNDED", order_id)
    assert row["payment_id"] == capture_id and row["object_id"] == refund["id"]
    assert row["intent_id"] == order.session().payment.intent_id
    assert order.session_id not in str(row)


def test_a_dispute_lists_the_evidence_and_its_resolution_is_recorded(order, paypal, live_gateway):
    order_id, capture_id = _paid_with_paypal(order, paypal, live_gateway)
    _wait_for(lambda: order.session().status.value in ("generating", "complete"))
    dispute = paypal.admin("disputes", {"capture_id": capture_id, "reason": "UNAUTHORISED"})
    paypal.admin(f"disputes/{dispute['dispute_id']}/resolve", {"outcome": "RESOLVED_BUYER_FAVOUR"})

    record = ledger.find(get_settings(), order_id) or {}
    opened, resolved = record["disputes"]
    assert opened["type"] == "CUSTOMER.DISPUTE.CREATED" and opened["reason"] == "UNAUTHORISED"
    assert opened["object_id"] == dispute["dispute_id"] and opened["payment_id"] == capture_id
    assert opened["stage"] == "INQUIRY" and opened["amount_cents"] == 2999
    assert f"{order_id}/order.json" in opened["evidence"]
    assert f"{order_id}/receipt.pdf" in opened["evidence"]
    assert resolved["outcome"] == "RESOLVED_BUYER_FAVOUR" and resolved["status"] == "RESOLVED"
    (reversal,) = record["refunds"]
    assert reversal["type"] == "PAYMENT.CAPTURE.REVERSED" and reversal["amount_cents"] == 2999
    assert _row("CUSTOMER.DISPUTE.CREATED", order_id)["object_id"] == dispute["dispute_id"]


def test_a_late_paypal_payment_whose_session_is_gone_is_refunded_at_paypal(
    order, paypal, live_gateway
):
    paypal.admin("webhooks", {"url": f"{live_gateway}/api/v1/payment/paypal/webhook"})
    paypal.settings(webhook_delivery="inline")
    order.ready()
    paypal_id = order.create_intent("paypal").json["paypal"]["order_id"]
    order_id = order.session().order_id
    paypal.approve(paypal_id)
    paypal.admin("capture-outcomes", {"outcome": "pending", "order_id": paypal_id})
    order.gateway.post("/api/v1/payment/paypal/capture", json={"session_id": order.session_id})
    key = _expire(order)
    firestore_client().collection(get_settings().sessions_collection).document(key).delete()
    view = paypal.admin(f"orders/{paypal_id}")["order"]
    capture_id = view["purchase_units"][0]["payments"]["captures"][0]["id"]

    paypal.admin(f"captures/{capture_id}/complete", {})  # the webhook is delivered inline

    record = _wait_ledger(order_id, "late_payments")
    (late,) = record["late_payments"]
    assert late["provider"] == "paypal" and late["payment_id"] == capture_id
    assert late["refund"] not in ("pending", None)
    (refund,) = paypal.admin(f"refunds?capture_id={capture_id}")["refunds"]
    assert refund["id"] == late["refund"] and refund["amount"]["value"] == "29.99"
    # PayPal's refund event comes back and is recorded on the same ledger record.
    refunds = _wait_for(lambda: (ledger.find(get_settings(), order_id) or {}).get("refunds"))
    assert refunds[0]["object_id"] == refund["id"]
