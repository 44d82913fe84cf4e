"""The session's records read documents the code wrote before they were models, and write the
same field names and values back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.orders import sessions
from shared.orders.records import IssueKind, PaymentState, RefundState
from shared.product.catalog import Package

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)

# Exactly what the dict-based code stored: Quote.to_record() + selection_version + quoted_at, the
# payment as create-intent and settlement built it, an issue as settlement recorded it.
QUOTE = {
    "record_version": 1,
    "package": "pro",
    "package_title": "Pro Report",
    "vehicle_count": 2,
    "tier_band": "2",
    "tier_label": "2 vehicles",
    "tier_min_vehicles": 2,
    "tier_max_vehicles": 2,
    "tier_price_cents": 2999,
    "voucher": {
        "code": "LAUNCH10",
        "type": "percentage",
        "label": "Launch 10 %",
        "percent_off": "10",
        "amount_off_cents": None,
        "discount_cents": 300,
    },
    "discount_cents": 300,
    "total_cents": 2699,
    "vat_cents": 548,
    "net_cents": 2151,
    "vat_rate_percent": "25.5",
    "currency": "EUR",
    "selection_version": 1,
    "quoted_at": NOW,
}
PAID = {
    "state": "paid",
    "attempt": "0123456789abcdef",
    "provider": "stripe",
    "method": "googlepay",
    "quote_key": "1:2699:EUR:LAUNCH10",
    "amount_cents": 2699,
    "currency": "EUR",
    "started_at": NOW,
    "intent_id": "pi_1",
    "payment_id": "pi_1",
}
SUPERSEDED = {"intent_id": "pi_0", "state": "pending", "provider": "stripe", "method": "stripe",
              "amount_cents": 2999, "currency": "EUR", "attempt": "a", "quote_key": "0:2999:EUR:",
              "started_at": NOW}  # fmt: skip
ISSUE = {
    "kind": "duplicate",
    "provider": "paypal",
    "payment_id": "CAPTURE-2",
    "intent_id": "ORDER-2",
    "amount_cents": 2699,
    "currency": "EUR",
    "recorded_at": NOW,
    "refund": "pending",
}


def _old_document() -> dict:
    return {
        "session_key": "k" * 64,
        "order_id": "ord_" + "0" * 24,
        "brand": "tesla",
        "status": "paid",
        "created_at": NOW,
        "updated_at": NOW,
        "expires_at": NOW + timedelta(days=14),
        "region": "eu",
        "tokens": None,
        "vehicles": [{"id": 7, "vin": "5YJ3E7EB2NF000001", "display_name": "Blue"}],
        "selected_vehicle_ids": [7],
        "selected_package": "pro",
        "selection_version": 1,
        "quote": QUOTE,
        "payment": PAID,
        "superseded_payment": SUPERSEDED,
        "payment_issues": [ISSUE, {**ISSUE, "refund": "re_9", "payment_id": "CAPTURE-3"}],
        "paid_at": NOW,
        "language": "fi",
        "refresh_lock_until": None,
    }


def test_a_session_stored_before_the_records_loads():
    session = sessions.session_from_document(_old_document())
    assert session.selected_package is Package.PRO
    assert session.quote is not None and session.quote.voucher_code == "LAUNCH10"
    assert session.payment is not None and session.payment.state is PaymentState.PAID
    assert session.payment.method == "googlepay" and session.payment.approve_url is None
    assert session.superseded_payment is not None
    assert session.superseded_payment.cancellable_intent == "pi_0"
    pending, refunded = session.payment_issues
    assert pending.kind is IssueKind.DUPLICATE and pending.refund_state is RefundState.PENDING
    assert refunded.refund_state is RefundState.REFUNDED and refunded.refund_id == "re_9"


def test_written_back_with_the_same_names_and_values():
    old = _old_document()
    written = sessions.session_document(sessions.session_from_document(old))
    for name in ("quote", "payment", "superseded_payment"):
        kept = {k: v for k, v in written[name].items() if k in old[name]}
        if isinstance(kept.get("voucher"), dict):  # fields added later default, old ones stay
            kept["voucher"] = {
                k: v for k, v in kept["voucher"].items() if k in old[name]["voucher"]
            }
        assert kept == old[name]
    # Fields the old code left out are written as null: still readable by the old code.
    assert written["payment"]["approve_url"] is None
    assert written["payment_issues"][0] == ISSUE
    assert written["selected_package"] == "pro" and written["status"] == "paid"


def test_the_manifest_quote_is_the_record_without_its_time():
    session = sessions.session_from_document(_old_document())
    assert session.quote is not None
    frozen = {k: v for k, v in QUOTE.items() if k != "quoted_at"}
    # Quotes stored before price-book versions existed read as version 0 (the built-in table).
    frozen = {**frozen, "price_book_version": 0}
    if frozen.get("voucher"):
        frozen["voucher"] = {**frozen["voucher"], "version": 0}
    assert session.quote.frozen() == frozen
    assert session.quote.same_terms(session.quote.model_copy(update={"quoted_at": NOW}))
