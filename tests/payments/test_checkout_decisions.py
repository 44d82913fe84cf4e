"""create-intent's decision for one click, as the pure function it is: reuse, wait or create."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from shared.cars.vehicles import VehicleRecord
from shared.orders.order_state import SessionStatus
from shared.orders.records import PaymentRecord, PaymentState, QuoteRecord
from shared.orders.sessions import OrderSession
from shared.payments.checkout import CREATING_GRACE_S, Action, decide
from shared.platform import errors
from shared.pricing.quotes import build_quote
from shared.pricing.quoting import quote_record

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


def _record(package: str = "pro", cars: int = 2) -> QuoteRecord:
    quote = build_quote(package, cars, None, vat_rate_percent=Decimal("25.5"), currency="EUR")
    return quote_record(quote, selection_version=1, now=NOW)


def _session(**changes: object) -> OrderSession:
    session = OrderSession(
        session_key="k" * 64,
        order_id="ord_" + "0" * 24,
        brand="tesla",
        status=SessionStatus.VEHICLES_SELECTED,
        created_at=NOW,
        updated_at=NOW,
        expires_at=NOW + timedelta(minutes=30),
        region="eu",
        tokens=None,
        vehicles=[VehicleRecord(id=1, vin="5YJ3E7EB2NF000001")],
        selected_vehicle_ids=[1],
        selected_package="pro",
        selection_version=1,
        quote=_record(),
    )
    return session.model_copy(update=changes)


def _decide(session: OrderSession, method="stripe", now=NOW, baseline: object = "as stored"):
    """The decision for a click on ``session``, priced next to ``baseline`` (default: its quote)."""
    return decide(
        session,
        method=method,
        record=_record(),
        baseline=session.quote if baseline == "as stored" else baseline,
        attempt="a1",
        language=None,
        now=now,
    )


def _payment(state: PaymentState, **changes: object) -> PaymentRecord:
    base = PaymentRecord(
        state=state,
        provider="stripe",
        method="stripe",
        amount_cents=2999,
        currency="EUR",
        attempt="a0",
        quote_key="1:2999:EUR:",
        started_at=NOW,
    )
    return base.model_copy(update=changes)


def test_a_first_click_reserves_an_attempt_with_its_quote():
    session = _session(quote=None)
    changed, decision = _decide(session)
    assert decision.action is Action.CREATE and decision.to_cancel is None
    assert changed.payment == decision.payment
    assert decision.payment.state is PaymentState.CREATING and decision.payment.attempt == "a1"
    assert decision.payment.quote_key == "1:2999:EUR:" and decision.payment.amount_cents == 2999
    assert changed.quote == _record()  # the quote it charges is written with it


def test_the_same_quote_and_method_reuses_the_pending_intent():
    pending = _payment(PaymentState.PENDING, intent_id="pi_1")
    session = _session(payment=pending)
    unchanged, decision = _decide(session)
    assert decision.action is Action.REUSE and unchanged == session  # nothing to write
    # Another method is another intent; the pending one is to be cancelled.
    changed, other = _decide(session, method="googlepay")
    assert other.action is Action.CREATE and other.to_cancel == pending
    assert changed.payment is not None and changed.payment.provider == "stripe"


def test_a_reservation_in_progress_is_waited_for_until_it_is_stale():
    session = _session(payment=_payment(PaymentState.CREATING))
    assert _decide(session)[1].action is Action.WAIT
    later = NOW + timedelta(seconds=CREATING_GRACE_S)
    assert _decide(session, now=later)[1].action is Action.CREATE  # its creator died


def test_a_changed_order_is_a_conflict():
    with pytest.raises(errors.Conflict):
        _decide(_session(selection_version=2))  # re-selected since the quote was priced
    requoted = _record(cars=1).model_copy(update={"selection_version": 1})
    with pytest.raises(errors.Conflict):  # re-quoted by another request meanwhile
        _decide(_session(quote=requoted), baseline=_record())
    with pytest.raises(errors.Conflict):
        _decide(_session(status=SessionStatus.PAID))
