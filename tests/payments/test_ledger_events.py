"""Refunds and disputes after payment land on the order's ledger record (issue 12, item 4)."""

from __future__ import annotations

from shared.payments import ledger
from shared.platform.settings import get_settings
from tests.payments.conftest import PAID_OR_LATER
from tests.payments.test_stripe_payments import _deliver


def _paid(order) -> tuple[str, str]:
    order.ready()
    intent_id = order.create_intent().json["stripe"]["payment_intent_id"]
    assert order.pay_with_card(intent_id)["status"] == "succeeded"
    paid = order.wait_for(lambda s: s.status.value in PAID_OR_LATER - {"paid"})
    return paid.order_id, intent_id


def _event(event_id: str, event_type: str, resource: dict) -> dict:
    return {"id": event_id, "object": "event", "type": event_type, "data": {"object": resource}}


def test_refund_and_dispute_are_recorded_with_the_evidence(order):
    order_id, intent_id = _paid(order)
    record = ledger.find(get_settings(), order_id)
    assert record is not None and record["payment"]["payment_id"] == intent_id
    assert record["total_cents"] == 2999 and record["vat_cents"] == 609
    assert intent_id in record["intent_ids"]

    refund = {"id": "ch_1", "object": "charge", "payment_intent": intent_id, "amount": 2999,
              "amount_refunded": 2999, "status": "succeeded"}  # fmt: skip
    response = _deliver(order, _event("evt_refund_1", "charge.refunded", refund))
    assert response.json["outcome"] == "recorded:refunds"
    dispute = {"id": "dp_1", "object": "dispute", "payment_intent": intent_id, "charge": "ch_1",
               "amount": 2999, "status": "needs_response", "reason": "fraudulent"}  # fmt: skip
    response = _deliver(order, _event("evt_dispute_1", "charge.dispute.created", dispute))
    assert response.json["outcome"] == "recorded:disputes"

    record = ledger.find(get_settings(), order_id) or {}
    (refunded,) = record["refunds"]
    assert refunded["amount_cents"] == 2999 and refunded["intent_id"] == intent_id
    (disputed,) = record["disputes"]
    assert disputed["reason"] == "fraudulent" and disputed["status"] == "needs_response"
    assert f"{order_id}/order.json" in disputed["evidence"]
    assert f"{order_id}/receipt.pdf" in disputed["evidence"]


def test_an_event_for_an_unknown_intent_is_acknowledged(order):
    order.ready()
    rogue = {"id": "ch_x", "object": "charge", "payment_intent": "not_an_intent"}
    response = _deliver(order, _event("evt_x", "charge.refunded", rogue))
    assert response.status_code == 200 and response.json["outcome"] == "ignored"
