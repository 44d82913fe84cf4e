"""PayPal simulator: capture refunds (full, partial, idempotent, refused), pending refunds,
reversals and disputes, each with its webhook."""

from __future__ import annotations

import uuid
from typing import Any

from tests.fixtures.paypal_sim import PayPalSimulator, WebhookReceiver


def _captured(paypal: PayPalSimulator, receiver: WebhookReceiver | None = None) -> dict[str, Any]:
    if receiver is not None:
        paypal.add_webhook_url(receiver.url)
        paypal.settings(webhook_delivery="inline")
    order_id = paypal.approved_order(
        custom_id="ord_refund_1", invoice_id=f"ord_refund_1-1-{uuid.uuid4().hex[:6]}"
    )
    response = paypal.capture(order_id)
    assert response.status_code == 201, response.text
    return response.json()["purchase_units"][0]["payments"]["captures"][0]


def _refund(paypal: PayPalSimulator, capture_id: str, body: dict | None = None, **headers: str):
    return paypal.call(
        "POST", f"/v2/payments/captures/{capture_id}/refund", json=body or {}, headers=headers
    )


def _event_types(receiver: WebhookReceiver) -> list[str]:
    return [received.body["event_type"] for received in receiver.received]


def test_a_full_refund_completes_marks_the_capture_and_sends_its_event(
    paypal: PayPalSimulator, webhook_receiver: WebhookReceiver
) -> None:
    capture = _captured(paypal, webhook_receiver)
    response = _refund(paypal, capture["id"], Prefer="return=representation")
    assert response.status_code == 201, response.text
    refund = response.json()
    assert refund["status"] == "COMPLETED"
    assert refund["amount"] == {"currency_code": "EUR", "value": "29.99"}
    assert refund["seller_payable_breakdown"]["total_refunded_amount"]["value"] == "29.99"
    rels = {link["rel"]: link["href"] for link in refund["links"]}
    assert rels["up"].endswith(f"/v2/payments/captures/{capture['id']}")
    assert paypal.call("GET", f"/v2/payments/refunds/{refund['id']}").json()["id"] == refund["id"]
    shown = paypal.call("GET", f"/v2/payments/captures/{capture['id']}").json()
    assert shown["status"] == "REFUNDED"
    assert "refund" not in {link["rel"] for link in shown["links"]}

    event = webhook_receiver.wait_for(4)[-1].body
    assert event["event_type"] == "PAYMENT.CAPTURE.REFUNDED"
    assert event["resource_type"] == "refund"
    assert event["resource"]["id"] == refund["id"]
    assert event["summary"] == "A € 29.99 EUR capture payment was refunded"

    again = _refund(paypal, capture["id"])
    assert again.status_code == 422
    assert again.json()["details"][0]["issue"] == "CAPTURE_FULLY_REFUNDED"


def test_partial_refunds_add_up_and_cannot_exceed_the_capture(paypal: PayPalSimulator) -> None:
    capture = _captured(paypal)
    part = _refund(paypal, capture["id"], {"amount": {"currency_code": "EUR", "value": "10.00"}})
    assert part.status_code == 201 and part.json()["status"] == "COMPLETED"
    assert paypal.call("GET", f"/v2/payments/captures/{capture['id']}").json()["status"] == (
        "PARTIALLY_REFUNDED"
    )
    too_much = _refund(paypal, capture["id"], {"amount": {"currency_code": "EUR", "value": "20"}})
    assert too_much.status_code == 422
    assert too_much.json()["details"][0]["issue"] == "REFUND_AMOUNT_EXCEEDED"
    other = _refund(paypal, capture["id"], {"amount": {"currency_code": "USD", "value": "1.00"}})
    assert other.json()["details"][0]["issue"] == "REFUND_CAPTURE_CURRENCY_MISMATCH"
    rest = _refund(paypal, capture["id"])  # empty body: what is left
    assert rest.status_code == 201
    assert paypal.call("GET", f"/v2/payments/refunds/{rest.json()['id']}").json()["amount"] == {
        "currency_code": "EUR",
        "value": "19.99",
    }


def test_the_same_request_id_answers_the_same_refund(paypal: PayPalSimulator) -> None:
    capture = _captured(paypal)
    first = _refund(paypal, capture["id"], **{"PayPal-Request-Id": "refund:ord_1"})
    second = _refund(paypal, capture["id"], **{"PayPal-Request-Id": "refund:ord_1"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert len(paypal.admin(f"refunds?capture_id={capture['id']}")["refunds"]) == 1


def test_refunds_are_refused_for_unknown_pending_and_old_captures(paypal: PayPalSimulator) -> None:
    assert _refund(paypal, "NOSUCHCAPTURE0000").status_code == 404
    paypal.capture_outcome("pending")
    pending = _captured(paypal)
    refused = _refund(paypal, pending["id"])
    assert refused.json()["details"][0]["issue"] == "REFUND_NOT_ALLOWED"
    old = _captured(paypal)
    paypal.advance(181 * 24 * 3600)
    late = _refund(paypal, old["id"])
    assert late.json()["details"][0]["issue"] == "REFUND_TIME_LIMIT_EXCEEDED"


def test_a_pending_refund_sends_its_event_when_it_completes(
    paypal: PayPalSimulator, webhook_receiver: WebhookReceiver
) -> None:
    capture = _captured(paypal, webhook_receiver)
    paypal.admin("refund-outcomes", {"status": "PENDING"})
    refund = _refund(paypal, capture["id"], Prefer="return=representation").json()
    assert refund["status"] == "PENDING" and refund["status_details"] == {"reason": "ECHECK"}
    assert "PAYMENT.CAPTURE.REFUNDED" not in _event_types(webhook_receiver)
    done = paypal.admin(f"refunds/{refund['id']}/complete", {})
    assert done["status"] == "COMPLETED"
    assert _event_types(webhook_receiver)[-1] == "PAYMENT.CAPTURE.REFUNDED"
    paypal.admin("refund-outcomes", {"status": "FAILED"})
    assert _refund(paypal, capture["id"]).status_code == 422  # nothing left to refund


def test_a_reversal_and_a_dispute_send_their_events(
    paypal: PayPalSimulator, webhook_receiver: WebhookReceiver
) -> None:
    capture = _captured(paypal, webhook_receiver)
    dispute = paypal.admin("disputes", {"capture_id": capture["id"], "reason": "UNAUTHORISED"})
    assert dispute["status"] == "OPEN" and dispute["dispute_id"].startswith("PP-D-")
    (transaction,) = dispute["disputed_transactions"]
    assert transaction["seller_transaction_id"] == capture["id"]
    created = webhook_receiver.received[-1].body
    assert created["event_type"] == "CUSTOMER.DISPUTE.CREATED"
    assert created["resource_type"] == "dispute"
    shown = paypal.call("GET", f"/v1/customer/disputes/{dispute['dispute_id']}").json()
    assert shown["dispute_amount"] == {"currency_code": "EUR", "value": "29.99"}

    resolved = paypal.admin(
        f"disputes/{dispute['dispute_id']}/resolve", {"outcome": "RESOLVED_BUYER_FAVOUR"}
    )
    assert resolved["status"] == "RESOLVED"
    assert resolved["dispute_outcome"]["outcome_code"] == "RESOLVED_BUYER_FAVOUR"
    assert _event_types(webhook_receiver)[-2:] == [
        "PAYMENT.CAPTURE.REVERSED",
        "CUSTOMER.DISPUTE.RESOLVED",
    ]
    reversed_ = webhook_receiver.received[-2].body
    assert reversed_["resource"]["custom_id"] == "ord_refund_1"
    assert paypal.call("GET", f"/v2/payments/captures/{capture['id']}").json()["status"] == (
        "REFUNDED"
    )
