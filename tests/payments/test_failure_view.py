"""What the WUI is told about a failed payment (pure): safe codes and sentences, fraud hidden,
nothing once paid."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.delivery.reading import payment_view
from shared.gateways.failures import GENERIC_DECLINE, for_customer
from shared.orders.records import PaymentRecord, PaymentState


@pytest.mark.parametrize("code", ["stolen_card", "lost_card", "fraudulent", "pickup_card", None])
def test_fraud_hints_and_unknown_codes_read_as_a_plain_decline(code) -> None:
    shown = for_customer(code)
    assert shown.code == GENERIC_DECLINE
    assert "declined" in shown.message


@pytest.mark.parametrize(
    "code", ["insufficient_funds", "expired_card", "canceled", "instrument_declined"]
)
def test_actionable_codes_are_kept(code) -> None:
    assert for_customer(code).code == code


class _Session:
    def __init__(self, payment: PaymentRecord | None) -> None:
        self.payment = payment


def _record(state: PaymentState) -> PaymentRecord:
    return PaymentRecord(
        state=state,
        provider="stripe",
        method="stripe",
        amount_cents=2999,
        currency="EUR",
        intent_id="pi_1",
        last_failure_at=datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
        last_failure_reason="insufficient_funds",
    )


def test_a_failure_is_shown_only_while_unpaid() -> None:
    pending = payment_view(_Session(_record(PaymentState.PENDING)))  # type: ignore[arg-type]
    assert pending is not None and pending.last_failure is not None
    assert pending.last_failure.code == "insufficient_funds"
    paid = payment_view(_Session(_record(PaymentState.PAID)))  # type: ignore[arg-type]
    assert paid is not None and paid.state == "paid" and paid.last_failure is None
    assert payment_view(_Session(None)) is None  # type: ignore[arg-type]
