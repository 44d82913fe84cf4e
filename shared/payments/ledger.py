"""The payment ledger: one record per order that outlives its session.

An order session is deleted by TTL days after delivery; the money it moved must stay accounted
for far longer (disputes arrive up to 120 days later; the bookkeeping duty keeps accounting
vouchers for years). The ledger record, keyed by order id, holds what a dispute or an auditor
asks: provider and provider ids (every intent ever made), amount, VAT, currency, voucher, the
session's payment issues awaiting action, the provider events received, refunds and disputes.

Its payment fields mirror the session and are written in the same commit as the session change
they reflect (``mirroring`` wraps a ``sessions.update`` change). What arrives after the session
is gone (a late payment, a refund, a dispute) is appended to the record directly. The record's
``expires_at`` (Firestore TTL) is ``bookkeeping_retention_days`` after its last change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from shared.orders import sessions
from shared.platform.clients import firestore_client
from shared.platform.settings import Settings

R = TypeVar("R")
Mutate = Callable[[sessions.OrderSession], tuple[sessions.OrderSession, R]]
Also = Callable[[sessions.OrderSession, R], Sequence[sessions.AlsoWrite]]


def reference(settings: Settings, order_id: str) -> Any:
    return firestore_client().collection(settings.payment_ledger_collection).document(order_id)


def _retention(settings: Settings, now: datetime) -> dict[str, datetime]:
    return {
        "updated_at": now,
        "expires_at": now + timedelta(days=settings.bookkeeping_retention_days),
    }


def mirrored(settings: Settings, session: sessions.OrderSession) -> sessions.AlsoWrite:
    """The ledger fields the session determines, merged in the session's own commit."""
    return sessions.AlsoWrite(
        reference(settings, session.order_id), mirrored_fields(settings, session)
    )


def mirrored_fields(settings: Settings, session: sessions.OrderSession) -> dict[str, Any]:
    """The ledger fields the session determines (pure: no client, no clock)."""
    fields: dict[str, Any] = {
        "order_id": session.order_id,
        "status": session.status.value,
        "paid_at": session.paid_at,
        "issues": [issue.model_dump(mode="json") for issue in session.payment_issues],
        **_retention(settings, session.updated_at),
    }
    if session.quote is not None:
        quote = session.quote
        fields.update(
            total_cents=quote.total_cents,
            vat_cents=quote.vat_cents,
            net_cents=quote.net_cents,
            vat_rate_percent=quote.vat_rate_percent,
            currency=quote.currency,
            voucher_code=quote.voucher_code,
        )
    payment = session.payment
    if payment is not None:
        fields["payment"] = payment.model_dump(mode="json", exclude={"approve_url", "attempt"})
        if payment.intent_id:
            from google.cloud import firestore

            fields["intent_ids"] = firestore.ArrayUnion([payment.intent_id])
    return fields


def mirroring(
    settings: Settings, mutate: Mutate[R], also: Also[R] | None = None
) -> tuple[Mutate[R], Also[R]]:
    """``mutate`` and ``also`` for ``sessions.update`` that also write the ledger whenever the
    session changes (and only then: an unchanged session is still not written)."""
    changed_last: dict[str, bool] = {}

    def run(session: sessions.OrderSession) -> tuple[sessions.OrderSession, R]:
        changed, result = mutate(session)
        changed_last["changed"] = changed != session
        return changed, result

    def writes(session: sessions.OrderSession, result: R) -> list[sessions.AlsoWrite]:
        others = list(also(session, result)) if also else []
        if changed_last.get("changed"):
            stamped = session.model_copy(update={"updated_at": datetime.now(UTC)})
            others.append(mirrored(settings, stamped))
        return others

    return run, writes


def find(settings: Settings, order_id: str) -> dict[str, Any] | None:
    snapshot = reference(settings, order_id).get()
    return snapshot.to_dict() if snapshot.exists else None


def append(settings: Settings, order_id: str, field: str, entry: Mapping[str, Any]) -> None:
    """Add an entry (event, refund, dispute, late payment) to a list of the order's record."""
    from google.cloud import firestore

    now = datetime.now(UTC)
    reference(settings, order_id).set(
        {
            "order_id": order_id,
            field: firestore.ArrayUnion([{**entry, "recorded_at": now}]),
            **_retention(settings, now),
        },
        merge=True,
    )
