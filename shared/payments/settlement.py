"""The one idempotent "mark paid" every payment path converges on, and what follows it.

Stripe's webhook, PayPal's capture and webhook, and the zero-total voucher path all call
``settle`` with what the provider confirmed. Inside one Firestore transaction it checks the
payment against the frozen quote of the session's current selection and then either moves the
session to ``paid`` (counting the voucher redemption in the same commit) or records why not, for
support. The same settlement twice is a no-op. Side effects — the order manifest, starting the
reports, refunds — run after the commit and are themselves idempotent, so a retried webhook
completes whatever a failed attempt left undone.

Policy for a payment that does not fit the order (documented in docs/payments.md):
- ``amount_mismatch`` (amount or currency differs from the quote): recorded, not paid, no refund
  (support decides — it points at a bug or tampering);
- ``superseded`` (paid for a selection that changed after create-intent) and ``duplicate``
  (a second successful payment for an order already paid): recorded and refunded in full.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from shared.orders import order_state, sessions
from shared.orders.manifests import receipt_path, write_manifest
from shared.orders.order_state import SessionStatus
from shared.platform.settings import Settings
from shared.pricing.redemptions import redemption_reference

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    PAID = "paid"
    ALREADY_PAID = "already_paid"
    AMOUNT_MISMATCH = "amount_mismatch"
    SUPERSEDED = "superseded"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Settlement:
    """What a provider confirmed for one payment."""

    provider: str  # stripe | paypal | voucher
    method: str | None  # stripe | googlepay | applepay | paypal | voucher; None: as chosen
    payment_id: str  # the provider's id of the money movement (PI, capture, voucher:…)
    intent_id: str | None  # the intent/order our create-intent made (None for vouchers)
    amount_cents: int
    currency: str
    selection_version: int | None  # as recorded in the provider's metadata


def settle(settings: Settings, session_key: str, payment: Settlement) -> Outcome:
    """Apply a confirmed payment to its order exactly once; returns what happened."""
    now = datetime.now(UTC)
    outcome: dict[str, Outcome] = {}

    def apply(session: sessions.OrderSession, transaction: Any) -> sessions.OrderSession:
        result, changed = _decide(settings, session, payment, now, transaction)
        outcome["value"] = result
        return changed

    session = sessions.update_session_by_key(
        settings, session_key, apply, now=now, allow_expired=True, with_transaction=True
    )
    result = outcome["value"]
    logger.info(
        "payment settled: %s",
        result.value,
        extra={"fields": {"order_id": session.order_id, "provider": payment.provider}},
    )
    if result in (Outcome.PAID, Outcome.ALREADY_PAID):
        after_paid(settings, session)
    elif result in (Outcome.SUPERSEDED, Outcome.DUPLICATE):
        _refund(settings, session, payment)
    return result


def _decide(
    settings: Settings,
    session: sessions.OrderSession,
    payment: Settlement,
    now: datetime,
    transaction: Any,
) -> tuple[Outcome, sessions.OrderSession]:
    current = session.payment or {}
    if session.status in (SessionStatus.PAID, SessionStatus.GENERATING, SessionStatus.COMPLETE):
        if current.get("payment_id") == payment.payment_id:
            return Outcome.ALREADY_PAID, session
        return Outcome.DUPLICATE, _with_issue(session, "duplicate", payment, now)

    quote = session.quote or {}
    same_order = (
        session.status == SessionStatus.VEHICLES_SELECTED
        and quote.get("selection_version") == session.selection_version
        and payment.selection_version in (None, session.selection_version)
        and (payment.intent_id is None or current.get("intent_id") == payment.intent_id)
    )
    if not same_order:
        return Outcome.SUPERSEDED, _with_issue(session, "superseded", payment, now)
    if payment.amount_cents != quote.get("total_cents") or payment.currency != quote.get(
        "currency"
    ):
        return Outcome.AMOUNT_MISMATCH, _with_issue(session, "amount_mismatch", payment, now)

    status = order_state.apply("pay", session.status)
    voucher = quote.get("voucher") or {}
    if voucher.get("code"):
        from google.cloud import firestore

        # Counted in the same commit that marks the order paid: no two buyers share a last use.
        transaction.set(
            redemption_reference(settings, voucher["code"]),
            {"count": firestore.Increment(1)},
            merge=True,
        )
    paid = session.model_copy(
        update={
            "status": status,
            "paid_at": now,
            "expires_at": max(
                session.expires_at, now + timedelta(seconds=settings.paid_session_ttl_s)
            ),
            "payment": {
                **current,
                "state": "paid",
                "provider": payment.provider,
                "method": payment.method or current.get("method") or payment.provider,
                "payment_id": payment.payment_id,
                "intent_id": payment.intent_id,
                "amount_cents": payment.amount_cents,
                "currency": payment.currency,
            },
        }
    )
    return Outcome.PAID, paid


def _with_issue(
    session: sessions.OrderSession, kind: str, payment: Settlement, now: datetime
) -> sessions.OrderSession:
    if any(
        issue["kind"] == kind and issue["payment_id"] == payment.payment_id
        for issue in session.payment_issues
    ):
        return session  # already recorded by an earlier delivery
    issue = {
        "kind": kind,
        "provider": payment.provider,
        "payment_id": payment.payment_id,
        "intent_id": payment.intent_id,
        "amount_cents": payment.amount_cents,
        "currency": payment.currency,
        "recorded_at": now,
        "refund": "pending" if kind in ("superseded", "duplicate") else None,
    }
    logger.warning(
        "payment needs support: %s", kind, extra={"fields": {"order_id": session.order_id}}
    )
    return session.model_copy(update={"payment_issues": [*session.payment_issues, issue]})


def _refund(settings: Settings, session: sessions.OrderSession, payment: Settlement) -> None:
    """Refund a payment the order cannot use. Stripe automatically; PayPal via support."""
    if payment.provider != "stripe" or payment.intent_id is None:
        return
    from shared.gateways import stripe_gateway

    refund_id = stripe_gateway.refund_intent(
        settings, payment.intent_id, idempotency_key=f"refund:{payment.intent_id}"
    )

    def mark_refunded(current: sessions.OrderSession) -> sessions.OrderSession:
        issues = [
            {**issue, "refund": refund_id} if issue["payment_id"] == payment.payment_id else issue
            for issue in current.payment_issues
        ]
        return current.model_copy(update={"payment_issues": issues})

    sessions.update_session_by_key(settings, session.session_key, mark_refunded, allow_expired=True)


def after_paid(settings: Settings, session: sessions.OrderSession) -> None:
    """Everything a paid order needs next; safe to run again on every delivery."""
    if write_manifest(settings, session):
        logger.info("order manifest written", extra={"fields": {"order_id": session.order_id}})
    write_receipt(settings, session)
    start_reports(settings, session)


def write_receipt(settings: Settings, session: sessions.OrderSession) -> None:
    """The receipt with its VAT breakdown beside the manifest, created once."""
    from shared.delivery import report_store
    from shared.orders.manifests import build_manifest
    from shared.receipts.document import render_receipt_pdf
    from shared.receipts.seller import load_seller

    if report_store.blob_exists(settings, receipt_path(session.order_id)):
        return
    pdf = render_receipt_pdf(
        build_manifest(session), seller=load_seller(settings.seller_path), language=session.language
    )
    report_store.write_blob_once(settings, receipt_path(session.order_id), pdf, "application/pdf")


def start_reports(settings: Settings, session: sessions.OrderSession) -> None:
    """Start report generation for a paid order (fanned out per car: ``shared.delivery``)."""
    from shared.delivery import generation

    generation.start(settings, session.session_key)
