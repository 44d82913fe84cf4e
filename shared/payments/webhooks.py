"""Provider callbacks: Stripe's webhook, PayPal's webhook and the PayPal capture on return.

Each one verifies what it received (Stripe: the signature with the endpoint secret; PayPal: the
verify-webhook-signature API), de-duplicates events by id, re-reads the payment from the
provider instead of trusting the event body or its order, finds the order by the opaque order
id in the payment's metadata, and hands a ``Settlement`` to ``settlement.settle`` — the one
idempotent mark-paid. Unknown orders, failures and mismatches are recorded for support and
acknowledged, so the provider stops retrying what a retry cannot fix.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from shared.gateways import failures
from shared.orders import sessions
from shared.orders.order_state import SessionStatus
from shared.orders.records import PaymentState
from shared.payments import ledger, settlement
from shared.platform import errors
from shared.platform.clients import firestore_client
from shared.platform.settings import Settings
from shared.platform.signals import Signal, signal

if TYPE_CHECKING:
    from shared.gateways.paypal_gateway import PayPalCapture

logger = logging.getLogger(__name__)

EVENTS_COLLECTION = "payment_events"
# Kept past the longest card chargeback window, then deleted by TTL.
EVENT_RETENTION = timedelta(days=540)


class InvalidSignature(errors.ApiError):
    status, code = 400, "invalid_signature"

    def __init__(self) -> None:
        super().__init__("The webhook signature could not be verified.")


@dataclass(frozen=True)
class Handled:
    """What processing one provider event did, and the ids an accountant ties it to an order
    with (kept on its ``payment_events`` row; never a session id)."""

    outcome: str
    order_id: str | None = None  # our opaque order id (ord_…), when the payment names one
    intent_id: str | None = None  # Stripe PaymentIntent / PayPal order id
    payment_id: str | None = None  # the money movement: PaymentIntent / PayPal capture id
    object_id: str | None = None  # the event's own object: charge, refund or dispute id


# ── Stripe ─────────────────────────────────────────────────────────────────────────────────────


def handle_stripe_event(settings: Settings, payload: bytes, signature: str | None) -> str:
    """Process one Stripe webhook delivery; returns the outcome (400 for a bad signature)."""
    from shared.gateways import stripe_gateway

    try:
        event = stripe_gateway.construct_event(settings, payload, signature)
    except ValueError:
        signal_webhook("stripe", "invalid_signature", refused="refused_signature")
        raise InvalidSignature from None
    event_id, event_type = str(event["id"]), str(event["type"])
    if _already_processed("stripe", event_id):
        signal_webhook("stripe", "duplicate", refused="duplicate")
        return "duplicate"
    resource = dict(event["data"]["object"] or {})
    intent_id = str(resource.get("id", ""))
    if event_type == "payment_intent.succeeded":
        handled = _settle_stripe_intent(settings, intent_id)
    elif event_type in STRIPE_FAILURES:
        handled = _record_stripe_failure(settings, intent_id, event_type)
        _record_on_ledger(settings, event_id, event_type, resource)
    elif event_type in STRIPE_LEDGER_EVENTS:
        handled = _record_on_ledger(settings, event_id, event_type, resource)
    else:
        handled = Handled("ignored")
    _mark_processed("stripe", event_id, event_type, handled)
    signal_webhook("stripe", handled.outcome)
    return handled.outcome


def _settle_stripe_intent(settings: Settings, intent_id: str) -> Handled:
    from shared.gateways import stripe_gateway

    intent = stripe_gateway.retrieve_intent(settings, intent_id)  # the truth, not the event
    ids = {"order_id": _order_ref(intent.metadata.get("order_id")), "intent_id": intent.id}
    if intent.status != "succeeded":
        return Handled(f"not_succeeded:{intent.status}", **ids)
    ids["payment_id"] = intent.id
    read = _order(settings, intent.metadata.get("order_id"))
    if read is None:
        outcome = _without_session(
            settings, "stripe", intent.id, intent.id, intent.metadata.get("order_id"),
            intent.amount_received, intent.currency,
        )  # fmt: skip
        return Handled(outcome, **ids)
    version = intent.metadata.get("selection_version", "")
    settled = settlement.settle(
        settings,
        read.session.session_key,
        settlement.Settlement(
            provider="stripe",
            method=None,  # the method the buyer chose is on the session's payment
            payment_id=intent.id,
            intent_id=intent.id,
            amount_cents=intent.amount_received,
            currency=intent.currency,
            selection_version=int(version) if version.isdigit() else None,
        ),
        read=read,
    )
    return Handled(settled.outcome.value, **ids)


# A failed attempt (the buyer may retry on the same intent) or an intent that ended unpaid.
STRIPE_FAILURES = {
    "payment_intent.payment_failed": "payment_failed_recorded",
    "payment_intent.canceled": "payment_canceled_recorded",
}


def _record_stripe_failure(settings: Settings, intent_id: str, event_type: str) -> Handled:
    from shared.gateways import stripe_gateway

    intent = stripe_gateway.retrieve_intent(settings, intent_id)
    order_id = intent.metadata.get("order_id")
    ids = {"order_id": _order_ref(order_id), "intent_id": intent.id}
    read = _order(settings, order_id)
    if read is None:
        return Handled("unknown_order", **ids)  # no money moved: nothing for support
    if event_type == "payment_intent.canceled":
        reason: str | None = failures.INTENT_CANCELED
    else:
        reason = intent.last_error or failures.GENERIC_DECLINE
    note_failure(settings, read, intent.id, reason)
    return Handled(STRIPE_FAILURES[event_type], **ids)


def note_failure(
    settings: Settings, read: sessions.Stored, intent_id: str, reason: str | None
) -> None:
    """Why the pending payment of ``intent_id`` failed, on the session (the WUI reads it) and the
    ledger. Nothing is noted for an old intent or a payment already made."""
    now = datetime.now(UTC)

    def noted(session: sessions.OrderSession) -> tuple[sessions.OrderSession, None]:
        payment = session.payment
        if (
            payment is None
            or payment.intent_id != intent_id
            or payment.state != PaymentState.PENDING
        ):
            return session, None
        # A declined attempt leaves the intent usable (the buyer may retry with another card);
        # an ended one (failures.ENDED_INTENT_FAILURES) is replaced at the next create-intent.
        changed = payment.model_copy(update={"last_failure_at": now, "last_failure_reason": reason})
        return session.model_copy(update={"payment": changed}), None

    run, also = ledger.mirroring(settings, noted)
    sessions.update(
        settings, read.session.session_key, run, read=read, allow_expired=True, also=also
    )


# Money movements after payment: appended to the order's ledger record (refunds, disputes).
STRIPE_LEDGER_EVENTS = {
    "charge.refunded": "refunds",
    "charge.dispute.created": "disputes",
    "charge.dispute.closed": "disputes",
    "payment_intent.canceled": "events",
    "payment_intent.payment_failed": "events",
}


def _record_on_ledger(
    settings: Settings, event_id: str, event_type: str, resource: dict[str, object]
) -> Handled:
    """The event on the ledger of the order its PaymentIntent names (re-read from Stripe)."""
    from shared.gateways import stripe_gateway

    intent_id = resource.get("payment_intent") or resource.get("id")
    if not isinstance(intent_id, str) or not intent_id.startswith("pi_"):
        return Handled("ignored")
    intent = stripe_gateway.retrieve_intent(settings, intent_id)
    ids = {
        "order_id": _order_ref(intent.metadata.get("order_id")),
        "intent_id": intent_id,
        "payment_id": intent_id,
        "object_id": str(resource.get("id", ""))[:255] or None,
    }
    order_id = _known_order(settings, intent.metadata.get("order_id"))
    if order_id is None:
        return Handled("unknown_order", **ids)
    entry = {
        "provider": "stripe",
        "event_id": event_id[:255],
        "type": event_type,
        "object_id": str(resource.get("id", ""))[:255],
        "intent_id": intent_id,
        "amount_cents": resource.get("amount_refunded") or resource.get("amount"),
        "status": resource.get("status"),
        "reason": resource.get("reason") or intent.last_error,
    }
    field = STRIPE_LEDGER_EVENTS[event_type]
    if field == "disputes":
        entry["evidence"] = evidence(settings, order_id)
    ledger.append(settings, order_id, field, entry)
    amount = entry["amount_cents"]
    signal_money_event("stripe", order_id, event_type, amount if isinstance(amount, int) else None)
    return Handled(f"recorded:{field}", **ids)


def evidence(settings: Settings, order_id: str) -> list[str]:
    """What the order holds to answer a dispute: manifest, receipt, delivery record (with the
    Tesla calls and their timestamps), as object paths in the reports bucket."""
    from shared.delivery import report_store
    from shared.orders.manifests import manifest_path, receipt_path

    paths = [manifest_path(order_id), receipt_path(order_id), f"{order_id}/delivery.json"]
    return [path for path in paths if report_store.blob_exists(settings, path)]


# ── PayPal ─────────────────────────────────────────────────────────────────────────────────────


def capture_paypal(settings: Settings, session_id: str) -> tuple[str, str]:
    """The WUI's call when the buyer returns from PayPal: capture, then settle.

    Returns (order status, outcome). A declined funding source is a 409 the WUI shows as
    "payment declined"; the buyer can approve again or pick another method.
    """
    from shared.gateways import paypal_gateway

    read = sessions.load(settings, session_id)
    session, payment = read.session, read.session.payment
    if session.status != SessionStatus.VEHICLES_SELECTED:
        if session.status == SessionStatus.PAID:
            # An earlier capture settled but its after_paid failed: the buyer's retry finishes it.
            session = settlement.after_paid(settings, read).session
        return session.status.value, "already_settled"
    if payment is None or payment.provider != "paypal" or not payment.intent_id:
        raise errors.Conflict("There is no PayPal payment to capture.", session.status.value)
    try:
        # A fresh request id per call: PayPal replays a failed capture for a reused id, and a
        # capture whose answer was lost is found again through ORDER_ALREADY_CAPTURED.
        capture = paypal_gateway.capture_order(
            settings,
            payment.intent_id,
            request_id=f"capture:{payment.intent_id}:{secrets.token_hex(4)}",
        )
    except paypal_gateway.CaptureDeclined as declined:
        logger.info("paypal capture declined: %s", declined)
        note_failure(settings, read, payment.intent_id, failures.PAYPAL_INSTRUMENT_DECLINED)
        raise errors.Conflict(
            "PayPal declined the payment. Please approve again or choose another method.",
            session.status.value,
            reason="payment_declined",
        ) from None
    # The capture names this order (custom_id): settle it on the session already read.
    ours = read if capture.custom_id == session.order_id else None
    settled = _settle_paypal_capture(settings, capture, read=ours)
    if isinstance(settled, settlement.Settled):
        return settled.session.status.value, settled.outcome.value
    return sessions.load_session(settings, session_id).status.value, settled


def handle_paypal_event(settings: Settings, headers: dict[str, str], payload: bytes) -> str:
    from shared.gateways import paypal_gateway

    try:
        event = json.loads(payload)
    except ValueError:
        signal_webhook("paypal", "invalid_signature", refused="refused_signature")
        raise InvalidSignature from None
    if not isinstance(event, dict) or not paypal_gateway.verify_webhook(settings, headers, event):
        signal_webhook("paypal", "invalid_signature", refused="refused_signature")
        raise InvalidSignature
    event_id, event_type = str(event.get("id")), str(event.get("event_type"))
    if _already_processed("paypal", event_id):
        signal_webhook("paypal", "duplicate", refused="duplicate")
        return "duplicate"
    if event_type in PAYPAL_CAPTURE_EVENTS:
        capture = paypal_gateway.capture_from_resource(event.get("resource") or {})
        settled = _settle_paypal_capture(settings, capture)
        handled = Handled(
            settled if isinstance(settled, str) else settled.outcome.value,
            order_id=_order_ref(capture.custom_id),
            intent_id=capture.order_id,
            payment_id=capture.id,
        )
    elif event_type in PAYPAL_LEDGER_EVENTS:
        handled = _record_paypal_on_ledger(settings, event_id, event_type, event)
    else:
        handled = Handled("ignored")
    _mark_processed("paypal", event_id, event_type, handled)
    signal_webhook("paypal", handled.outcome)
    return handled.outcome


# A capture completed (pays the order) or denied (noted as the payment's failure).
PAYPAL_CAPTURE_EVENTS = frozenset({"PAYMENT.CAPTURE.COMPLETED", "PAYMENT.CAPTURE.DENIED"})


PAYPAL_LEDGER_EVENTS = {
    "PAYMENT.CAPTURE.REFUNDED": "refunds",
    "PAYMENT.CAPTURE.REVERSED": "refunds",
    "CUSTOMER.DISPUTE.CREATED": "disputes",
    "CUSTOMER.DISPUTE.RESOLVED": "disputes",
}


def _record_paypal_on_ledger(
    settings: Settings, event_id: str, event_type: str, event: dict[str, object]
) -> Handled:
    """A verified refund, reversal or dispute on the ledger of the order its capture paid. The
    capture is re-read from PayPal: a refund's resource names its capture only by link, a
    dispute's by ``seller_transaction_id``; the capture's ``custom_id`` is our order id."""
    from shared.gateways import paypal_gateway

    resource = event.get("resource")
    resource = resource if isinstance(resource, dict) else {}
    capture_id = paypal_gateway.capture_id_of(resource)
    capture = paypal_gateway.get_capture(settings, capture_id) if capture_id else None
    if capture is None:
        return Handled("ignored")
    object_id = str(resource.get("id") or resource.get("dispute_id") or "")[:255]
    ids = {
        "order_id": _order_ref(capture.custom_id),
        "intent_id": capture.order_id,
        "payment_id": capture.id,
        "object_id": object_id or None,
    }
    order_id = _known_order(settings, capture.custom_id)
    if order_id is None:
        return Handled("unknown_order", **ids)
    amount = paypal_gateway.amount_of(resource.get("amount") or resource.get("dispute_amount"))
    outcome = resource.get("dispute_outcome")
    entry: dict[str, object] = {
        "provider": "paypal",
        "event_id": event_id[:255],
        "type": event_type,
        "object_id": object_id,
        "payment_id": capture.id,
        "intent_id": capture.order_id,
        "amount_cents": amount[0] if amount else None,
        "currency": amount[1] if amount else None,
        "status": _short(resource.get("status")),
        "reason": _short(resource.get("reason")),
        "outcome": _short(outcome.get("outcome_code")) if isinstance(outcome, dict) else None,
    }
    field = PAYPAL_LEDGER_EVENTS[event_type]
    if field == "disputes":
        entry["evidence"] = evidence(settings, order_id)
        entry["stage"] = _short(resource.get("dispute_life_cycle_stage"))
    ledger.append(settings, order_id, field, entry)
    signal_money_event("paypal", order_id, event_type, amount[0] if amount else None)
    return Handled(f"recorded:{field}", **ids)


def _short(value: object) -> str | None:
    """A provider's code as stored: text, bounded."""
    return value[:100] if isinstance(value, str) else None


def _settle_paypal_capture(
    settings: Settings, capture: PayPalCapture, *, read: sessions.Stored | None = None
) -> settlement.Settled | str:
    """The settlement, or why there was none (a capture not completed, an unknown order)."""
    if capture.status != "COMPLETED":
        if capture.status == "DECLINED":
            _note_paypal_denial(settings, capture, read)
        return f"not_completed:{capture.status}"
    read = read or _order(settings, capture.custom_id)
    if read is None:
        return _without_session(
            settings, "paypal", capture.id, capture.order_id, capture.custom_id,
            capture.amount_cents, capture.currency,
        )  # fmt: skip
    return settlement.settle(
        settings,
        read.session.session_key,
        settlement.Settlement(
            provider="paypal",
            method="paypal",
            payment_id=capture.id,
            intent_id=capture.order_id,
            amount_cents=capture.amount_cents,
            currency=capture.currency,
            selection_version=_version_of_invoice(capture.invoice_id),
        ),
        read=read,
    )


def _note_paypal_denial(
    settings: Settings, capture: PayPalCapture, read: sessions.Stored | None
) -> None:
    """PayPal denied the capture: its order can no longer be paid; the buyer must pay again."""
    read = read or _order(settings, capture.custom_id)
    if read is not None and capture.order_id:
        note_failure(settings, read, capture.order_id, failures.PAYPAL_CAPTURE_DENIED)


def _version_of_invoice(invoice_id: str | None) -> int | None:
    # invoice_id = "{order_id}-{selection_version}-{attempt}" (paypal_gateway.create_order)
    parts = (invoice_id or "").rsplit("-", 2)
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


# ── Shared ─────────────────────────────────────────────────────────────────────────────────────


def _order(settings: Settings, order_id: str | None) -> sessions.Stored | None:
    """The session of an order id from a provider's metadata (the query returns it whole)."""
    if not order_id or not order_id.startswith("ord_") or len(order_id) > 64:
        return None
    return sessions.find_by_order_id(settings, order_id)


def _without_session(
    settings: Settings,
    provider: str,
    payment_id: str,
    intent_id: str | None,
    order_id: str | None,
    amount_cents: int,
    currency: str,
) -> str:
    """Money for an order whose session is gone: matched through the ledger and refunded in
    full at once (nothing is left to deliver from: the selection and the car tokens went with
    the session). Stripe refunds automatically; a PayPal refund waits for support, recorded as
    an issue awaiting action on the ledger record."""
    known = _known_order(settings, order_id)
    if known is None:
        return _orphan(provider, payment_id, order_id, intent_id)
    refund = settlement.refund_payment(settings, provider, payment_id, intent_id) or "pending"
    ledger.append(
        settings,
        known,
        "late_payments",
        {
            "provider": provider,
            "payment_id": payment_id,
            "intent_id": intent_id,
            "amount_cents": amount_cents,
            "currency": currency,
            "reason": "session_gone",
            "refund": refund,
        },
    )
    logger.warning(
        "late payment refunded" if refund != "pending" else "late payment awaits a refund",
        extra={"fields": {"order_id": known, "provider": provider}},
    )
    signal(
        Signal.REFUND,
        order_id=known,
        provider=provider,
        amount_cents=amount_cents,
        currency=currency,
        reason="session_gone",
        outcome="refunded" if refund != "pending" else "awaiting_support",
    )
    return "late_payment_refunded" if refund != "pending" else "late_payment_refund_pending"


def _order_ref(order_id: str | None) -> str | None:
    """An order id from a provider's metadata, if it has our shape (else nothing is kept)."""
    if not order_id or not order_id.startswith("ord_") or len(order_id) > 64:
        return None
    return order_id


def _known_order(settings: Settings, order_id: str | None) -> str | None:
    if not order_id or not order_id.startswith("ord_") or len(order_id) > 64:
        return None
    return order_id if ledger.find(settings, order_id) is not None else None


def _orphan(
    provider: str, payment_id: str, order_id: str | None, intent_id: str | None = None
) -> str:
    """Money for an order we do not hold (deleted, or not ours): support must act."""
    firestore_client().collection(EVENTS_COLLECTION).document(
        _event_key(provider, f"orphan:{payment_id}")
    ).set(
        {
            "provider": provider,
            "payment_id": payment_id,
            "intent_id": intent_id,
            "order_id": (order_id or "")[:64],
            "kind": "orphan_payment",
            "recorded_at": datetime.now(UTC),
            "expires_at": datetime.now(UTC) + EVENT_RETENTION,
        }
    )
    logger.warning("payment for an unknown order", extra={"fields": {"provider": provider}})
    return "unknown_order"


# ── Signals (infra/monitoring.tf; docs/operations.md) ──────────────────────────────────────────

DISPUTE_OPENED = frozenset({"charge.dispute.created", "CUSTOMER.DISPUTE.CREATED"})
DISPUTE_EVENTS = DISPUTE_OPENED | {"charge.dispute.closed", "CUSTOMER.DISPUTE.RESOLVED"}


def signal_webhook(provider: str, result: str, *, refused: str | None = None) -> None:
    """One ``webhook`` signal per delivery. ``outcome``: refused_signature or duplicate (the
    event was not processed: ``refused``), else amount_mismatch or verified; ``result``: what
    processing returned (paid, already_paid, recorded:disputes, ignored, …)."""
    if refused is not None:
        outcome = refused
    else:
        outcome = "amount_mismatch" if result == "amount_mismatch" else "verified"
    signal(Signal.WEBHOOK, provider=provider, outcome=outcome, result=result)


def signal_money_event(
    provider: str, order_id: str, event_type: str, amount_cents: int | None
) -> None:
    """A provider's refund or dispute event, recorded on the order's ledger."""
    if event_type in DISPUTE_EVENTS:
        stage = "opened" if event_type in DISPUTE_OPENED else "closed"
        signal(
            Signal.DISPUTE,
            order_id=order_id,
            provider=provider,
            stage=stage,
            amount_cents=amount_cents,
        )
    elif event_type in ("charge.refunded", "PAYMENT.CAPTURE.REFUNDED", "PAYMENT.CAPTURE.REVERSED"):
        signal(
            Signal.REFUND,
            order_id=order_id,
            provider=provider,
            reason="provider_event",
            outcome="recorded",
            amount_cents=amount_cents,
        )


def _event_key(provider: str, event_id: str) -> str:
    return hashlib.sha256(f"{provider}:{event_id}".encode()).hexdigest()


def _already_processed(provider: str, event_id: str) -> bool:
    return (
        firestore_client()
        .collection(EVENTS_COLLECTION)
        .document(_event_key(provider, event_id))
        .get()
        .exists
    )


def _mark_processed(provider: str, event_id: str, event_type: str, handled: Handled) -> None:
    """Recorded only after processing succeeded: a delivery that failed half-way is retried.
    The row names the order and the provider's payment ids, so an accountant can tie every
    event to an order (never the session: its id is a bearer token)."""
    now = datetime.now(UTC)
    firestore_client().collection(EVENTS_COLLECTION).document(_event_key(provider, event_id)).set(
        {
            "provider": provider,
            "event_id": event_id[:255],
            "type": event_type[:100],
            "outcome": handled.outcome,
            "order_id": handled.order_id,
            "intent_id": (handled.intent_id or "")[:255] or None,
            "payment_id": (handled.payment_id or "")[:255] or None,
            "object_id": (handled.object_id or "")[:255] or None,
            "processed_at": now,
            "expires_at": now + EVENT_RETENTION,
        }
    )
