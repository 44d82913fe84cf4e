"""The one idempotent "mark paid" every payment path converges on, and what follows it.

Stripe's webhook, PayPal's capture and webhook, and the zero-total voucher path all call
``settle`` with what the provider confirmed. In one conditional write of the session
(``sessions.update``: re-decided if the session changed since it was read) it checks the
payment against the frozen quote of the session's current selection and then either moves the
session to ``paid`` (counting the voucher redemption in the same commit) or records why not, for
support. The same settlement twice is a no-op. Side effects — the order manifest, starting the
reports, refunds — run after the commit and are themselves idempotent, so a retried webhook
completes whatever a failed attempt left undone.

Policy for a payment that does not fit the order (documented in docs/payments.md):
- ``amount_mismatch`` (amount or currency differs from the quote): recorded, not paid, no refund
  (support decides — it points at a bug or tampering);
- ``superseded`` (paid for a selection that changed after create-intent), ``duplicate``
  (a second successful payment for an order already paid) and ``voucher_limit_reached`` (the
  voucher's last redemption went to another order first): recorded and refunded in full, at
  once, with Stripe and with PayPal alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from shared.orders import order_state, sessions
from shared.orders.manifests import receipt_path, write_manifest
from shared.orders.order_state import SessionStatus
from shared.orders.records import (
    REFUNDED_KINDS,
    IssueKind,
    PaymentIssue,
    PaymentMethod,
    PaymentProvider,
    PaymentRecord,
    PaymentState,
    RefundState,
)
from shared.payments import ledger
from shared.platform.settings import Settings
from shared.platform.signals import Signal, signal
from shared.pricing.redemptions import Counter, Redemption, read_counter, redemption_writes

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    PAID = "paid"
    ALREADY_PAID = "already_paid"
    AMOUNT_MISMATCH = IssueKind.AMOUNT_MISMATCH.value
    SUPERSEDED = IssueKind.SUPERSEDED.value
    DUPLICATE = IssueKind.DUPLICATE.value
    VOUCHER_LIMIT = IssueKind.VOUCHER_LIMIT.value


REFUNDED_OUTCOMES = frozenset({Outcome.SUPERSEDED, Outcome.DUPLICATE, Outcome.VOUCHER_LIMIT})


@dataclass(frozen=True)
class Settlement:
    """What a provider confirmed for one payment."""

    provider: PaymentProvider
    method: PaymentMethod | None  # None: the method chosen at create-intent (on the session)
    payment_id: str  # the provider's id of the money movement (PI, capture, voucher:…)
    intent_id: str | None  # the intent/order our create-intent made (None for vouchers)
    amount_cents: int
    currency: str
    selection_version: int | None  # as recorded in the provider's metadata


@dataclass(frozen=True)
class Settled:
    outcome: Outcome
    session: sessions.OrderSession  # as this call last wrote or read it


def settle(
    settings: Settings,
    session_key: str,
    payment: Settlement,
    *,
    read: sessions.Stored | None = None,
    prepare: Callable[[sessions.OrderSession], sessions.OrderSession] | None = None,
) -> Settled:
    """Apply a confirmed payment to its order exactly once; returns what happened.

    ``read`` is the session the caller already holds; ``prepare`` is a pure change written in
    the same commit before the payment is checked (the voucher path freezes its quote so).
    """
    now = datetime.now(UTC)
    counted: dict[str, Counter | None] = {}

    def decide(session: sessions.OrderSession) -> tuple[sessions.OrderSession, Outcome]:
        prepared = prepare(session) if prepare else session
        # Read on every run: a commit that failed on a changed counter is re-decided on a new one.
        counted["voucher"] = counter = _limited_counter(settings, prepared)
        return _decide(settings, prepared, payment, now, counter)

    def redemptions(
        session: sessions.OrderSession, outcome: Outcome
    ) -> Sequence[sessions.AlsoWrite]:
        return _redemption_counted(settings, session, outcome, counted.get("voucher"))

    run, also = ledger.mirroring(settings, decide, redemptions)
    stored, result = sessions.update(
        settings, session_key, run, read=read, now=now, allow_expired=True, also=also
    )
    logger.info(
        "payment settled: %s",
        result.value,
        extra={"fields": {"order_id": stored.session.order_id, "provider": payment.provider}},
    )
    _signal_settled(stored.session, payment, result)
    if result in (Outcome.PAID, Outcome.ALREADY_PAID):
        stored = after_paid(settings, stored)
    elif result in REFUNDED_OUTCOMES:
        stored = _refund(settings, stored, payment)
        if payment.amount_cents > 0:
            automatic = any(
                issue.payment_id == payment.payment_id
                and issue.refund_state == RefundState.REFUNDED
                for issue in stored.session.payment_issues
            )
            signal(
                Signal.REFUND,
                order_id=stored.session.order_id,
                provider=payment.provider,
                amount_cents=payment.amount_cents,
                currency=payment.currency,
                reason=result.value,
                outcome="refunded" if automatic else "awaiting_support",
            )
    return Settled(result, stored.session)


def _signal_settled(session: sessions.OrderSession, payment: Settlement, result: Outcome) -> None:
    """``order_paid`` once per order (the delivery that paid it), ``payment_issue`` otherwise."""
    if result == Outcome.PAID:
        signal(
            Signal.ORDER_PAID,
            order_id=session.order_id,
            provider=payment.provider,
            method=session.payment.method if session.payment else payment.method,
            amount_cents=payment.amount_cents,
            currency=payment.currency,
            package=session.selected_package.value if session.selected_package else None,
            vehicle_count=len(session.selected_vehicle_ids),
        )
    elif result != Outcome.ALREADY_PAID:
        signal(
            Signal.PAYMENT_ISSUE,
            order_id=session.order_id,
            provider=payment.provider,
            kind=result.value,
            amount_cents=payment.amount_cents,
            currency=payment.currency,
        )


def _limited_counter(settings: Settings, session: sessions.OrderSession) -> Counter | None:
    """The redemption counter of the session's voucher, when the order is payable with one."""
    code = session.quote.voucher_code if session.quote else None
    if not code or session.status != SessionStatus.VEHICLES_SELECTED:
        return None
    return read_counter(settings, code, session.customer_key)


def _decide(
    settings: Settings,
    session: sessions.OrderSession,
    payment: Settlement,
    now: datetime,
    counter: Counter | None = None,
) -> tuple[sessions.OrderSession, Outcome]:
    current = session.payment
    if session.status in (SessionStatus.PAID, SessionStatus.GENERATING, SessionStatus.COMPLETE):
        if current is not None and current.payment_id == payment.payment_id:
            return session, Outcome.ALREADY_PAID
        return _with_issue(session, IssueKind.DUPLICATE, payment, now), Outcome.DUPLICATE

    quote = session.quote
    same_order = (
        session.status == SessionStatus.VEHICLES_SELECTED
        and quote is not None
        and quote.selection_version == session.selection_version
        and payment.selection_version in (None, session.selection_version)
        and (
            payment.intent_id is None
            or (current is not None and current.intent_id == payment.intent_id)
        )
    )
    if quote is None or not same_order:
        return _with_issue(session, IssueKind.SUPERSEDED, payment, now), Outcome.SUPERSEDED
    if payment.amount_cents != quote.total_cents or payment.currency != quote.currency:
        issue = _with_issue(session, IssueKind.AMOUNT_MISMATCH, payment, now)
        return issue, Outcome.AMOUNT_MISMATCH
    if counter is not None and counter.used_up:
        # The last redemption went to another order after this one was quoted.
        issue = _with_issue(session, IssueKind.VOUCHER_LIMIT, payment, now)
        return issue, Outcome.VOUCHER_LIMIT

    paid = PaymentRecord.model_validate(
        {
            **(current.model_dump() if current else {}),
            "state": PaymentState.PAID,
            "provider": payment.provider,
            "method": payment.method or (current.method if current else None) or payment.provider,
            "payment_id": payment.payment_id,
            "intent_id": payment.intent_id,
            "amount_cents": payment.amount_cents,
            "currency": payment.currency,
        }
    )
    changed = session.model_copy(
        update={
            "status": order_state.apply("pay", session.status),
            "paid_at": now,
            "expires_at": max(
                session.expires_at, now + timedelta(seconds=settings.paid_session_ttl_s)
            ),
            "payment": paid,
        }
    )
    return changed, Outcome.PAID


def _redemption_counted(
    settings: Settings, session: sessions.OrderSession, outcome: Outcome, counter: Counter | None
) -> list[sessions.AlsoWrite]:
    """The voucher's redemption (and its discount), counted in the commit that marks the order
    paid. A limited count (the code's, or this customer's) is written only if unchanged since
    ``_decide`` checked it against the limit: no two buyers share a last use."""
    quote = session.quote
    if outcome != Outcome.PAID or quote is None or not quote.voucher_code:
        return []
    redemption = Redemption(
        code=quote.voucher_code,
        order_id=session.order_id,
        discount_cents=quote.discount_cents,
        currency=quote.currency,
        customer_key=session.customer_key,
    )
    return redemption_writes(settings, redemption, counter)


def _with_issue(
    session: sessions.OrderSession, kind: IssueKind, payment: Settlement, now: datetime
) -> sessions.OrderSession:
    if any(
        issue.kind == kind and issue.payment_id == payment.payment_id
        for issue in session.payment_issues
    ):
        return session  # already recorded by an earlier delivery
    issue = PaymentIssue(
        kind=kind,
        provider=payment.provider,
        payment_id=payment.payment_id,
        intent_id=payment.intent_id,
        amount_cents=payment.amount_cents,
        currency=payment.currency,
        recorded_at=now,
        # A voucher-only order moved no money: nothing to refund.
        refund=RefundState.PENDING.value
        if kind in REFUNDED_KINDS and payment.amount_cents > 0
        else None,
    )
    logger.warning(
        "payment needs support: %s", kind.value, extra={"fields": {"order_id": session.order_id}}
    )
    return session.model_copy(update={"payment_issues": [*session.payment_issues, issue]})


def refund_payment(
    settings: Settings, provider: str, payment_id: str, intent_id: str | None
) -> str | None:
    """Refund a payment in full, idempotently (a retry refunds nothing twice). Returns the
    provider's refund id, or None when nothing was refunded: a voucher moved no money, or PayPal
    did not take the refund (FAILED/CANCELLED: it stays pending for support)."""
    if provider == "stripe" and intent_id:
        from shared.gateways import stripe_gateway

        return stripe_gateway.refund_intent(
            settings, intent_id, idempotency_key=f"refund:{intent_id}"
        )
    if provider == "paypal":
        from shared.gateways import paypal_gateway

        refund = paypal_gateway.refund_capture(
            settings, payment_id, request_id=f"refund:{payment_id}"
        )
        return refund.id if refund.status in ("COMPLETED", "PENDING") else None
    return None


def _refund(settings: Settings, stored: sessions.Stored, payment: Settlement) -> sessions.Stored:
    """Refund a payment the order cannot use, in full and at once (Stripe and PayPal)."""
    refund_id = refund_payment(settings, payment.provider, payment.payment_id, payment.intent_id)
    if refund_id is None:
        return stored

    def mark_refunded(current: sessions.OrderSession) -> tuple[sessions.OrderSession, None]:
        issues = [
            issue.model_copy(update={"refund": refund_id})
            if issue.payment_id == payment.payment_id
            else issue
            for issue in current.payment_issues
        ]
        return current.model_copy(update={"payment_issues": issues}), None

    run, also = ledger.mirroring(settings, mark_refunded)
    stored, _ = sessions.update(
        settings, stored.session.session_key, run, read=stored, allow_expired=True, also=also
    )
    return stored


def after_paid(settings: Settings, stored: sessions.Stored) -> sessions.Stored:
    """Everything a paid order needs next; safe to run again on every delivery. Returns the
    session as last written (reports started)."""
    session = stored.session
    if write_manifest(settings, session):
        logger.info("order manifest written", extra={"fields": {"order_id": session.order_id}})
    write_receipt(settings, session)
    return start_reports(settings, stored)


def write_receipt(settings: Settings, session: sessions.OrderSession) -> None:
    """The receipt with its VAT breakdown beside the manifest, created once."""
    from shared.delivery import report_store
    from shared.orders.manifests import build_manifest
    from shared.receipts.document import render_receipt_pdf
    from shared.receipts.seller import seller_for

    if report_store.blob_exists(settings, receipt_path(session.order_id)):
        return
    pdf = render_receipt_pdf(
        build_manifest(session), seller=seller_for(settings), language=session.language
    )
    report_store.write_blob_once(settings, receipt_path(session.order_id), pdf, "application/pdf")


def start_reports(settings: Settings, stored: sessions.Stored) -> sessions.Stored:
    """Start report generation for a paid order (fanned out per car: ``shared.delivery``)."""
    from shared.delivery import generation

    return generation.start(settings, stored.session.session_key, read=stored).stored
