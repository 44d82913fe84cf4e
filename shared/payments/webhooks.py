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
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from shared.orders import sessions
from shared.orders.order_state import SessionStatus
from shared.orders.records import PaymentState
from shared.payments import ledger, settlement
from shared.platform import errors
from shared.platform.clients import firestore_client
from shared.platform.settings import Settings

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


# ── Stripe ─────────────────────────────────────────────────────────────────────────────────────


def handle_stripe_event(settings: Settings, payload: bytes, signature: str | None) -> str:
    """Process one Stripe webhook delivery; returns the outcome (400 for a bad signature)."""
    from shared.gateways import stripe_gateway

    try:
        event = stripe_gateway.construct_event(settings, payload, signature)
    except ValueError:
        raise InvalidSignature from None
    event_id, event_type = str(event["id"]), str(event["type"])
    if _already_processed("stripe", event_id):
        return "duplicate"
    resource = dict(event["data"]["object"] or {})
    intent_id = str(resource.get("id", ""))
    if event_type == "payment_intent.succeeded":
        outcome = _settle_stripe_intent(settings, intent_id)
    elif event_type == "payment_intent.payment_failed":
        outcome = _record_stripe_failure(settings, intent_id)
        _record_on_ledger(settings, event_id, event_type, resource)
    elif event_type in STRIPE_LEDGER_EVENTS:
        outcome = _record_on_ledger(settings, event_id, event_type, resource)
    else:
        outcome = "ignored"
    _mark_processed("stripe", event_id, event_type, outcome)
    return outcome


def _settle_stripe_intent(settings: Settings, intent_id: str) -> str:
    from shared.gateways import stripe_gateway

    intent = stripe_gateway.retrieve_intent(settings, intent_id)  # the truth, not the event
    if intent.status != "succeeded":
        return f"not_succeeded:{intent.status}"
    read = _order(settings, intent.metadata.get("order_id"))
    if read is None:
        return _without_session(
            settings, "stripe", intent.id, intent.id, intent.metadata.get("order_id"),
            intent.amount_received, intent.currency,
        )  # fmt: skip
    version = intent.metadata.get("selection_version", "")
    return settlement.settle(
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
    ).outcome.value


def _record_stripe_failure(settings: Settings, intent_id: str) -> str:
    from shared.gateways import stripe_gateway

    intent = stripe_gateway.retrieve_intent(settings, intent_id)
    read = _order(settings, intent.metadata.get("order_id"))
    if read is None:
        return _orphan("stripe", intent.id, intent.metadata.get("order_id"))
    now = datetime.now(UTC)

    def note_failure(session: sessions.OrderSession) -> tuple[sessions.OrderSession, None]:
        payment = session.payment
        if (
            payment is None
            or payment.intent_id != intent.id
            or payment.state != PaymentState.PENDING
        ):
            return session, None  # an old intent, or already paid: nothing to note
        # The intent stays usable: the buyer may retry with another card on the same intent.
        noted = payment.model_copy(
            update={"last_failure_at": now, "last_failure_reason": intent.last_error}
        )
        return session.model_copy(update={"payment": noted}), None

    run, also = ledger.mirroring(settings, note_failure)
    sessions.update(
        settings, read.session.session_key, run, read=read, allow_expired=True, also=also
    )
    return "payment_failed_recorded"


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
) -> str:
    """The event on the ledger of the order its PaymentIntent names (re-read from Stripe)."""
    from shared.gateways import stripe_gateway

    intent_id = resource.get("payment_intent") or resource.get("id")
    if not isinstance(intent_id, str) or not intent_id.startswith("pi_"):
        return "ignored"
    intent = stripe_gateway.retrieve_intent(settings, intent_id)
    order_id = _known_order(settings, intent.metadata.get("order_id"))
    if order_id is None:
        return "unknown_order"
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
    return f"recorded:{field}"


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
        raise InvalidSignature from None
    if not isinstance(event, dict) or not paypal_gateway.verify_webhook(settings, headers, event):
        raise InvalidSignature
    event_id, event_type = str(event.get("id")), str(event.get("event_type"))
    if _already_processed("paypal", event_id):
        return "duplicate"
    if event_type == "PAYMENT.CAPTURE.COMPLETED":
        capture = paypal_gateway.capture_from_resource(event.get("resource") or {})
        settled = _settle_paypal_capture(settings, capture)
        outcome = settled if isinstance(settled, str) else settled.outcome.value
    elif event_type in PAYPAL_LEDGER_EVENTS:
        outcome = _record_paypal_on_ledger(settings, event_id, event_type, event)
    else:
        outcome = "ignored"
    _mark_processed("paypal", event_id, event_type, outcome)
    return outcome


PAYPAL_LEDGER_EVENTS = {
    "PAYMENT.CAPTURE.REFUNDED": "refunds",
    "PAYMENT.CAPTURE.REVERSED": "refunds",
    "CUSTOMER.DISPUTE.CREATED": "disputes",
    "CUSTOMER.DISPUTE.RESOLVED": "disputes",
}


def _record_paypal_on_ledger(
    settings: Settings, event_id: str, event_type: str, event: dict[str, object]
) -> str:
    """A verified refund, reversal or dispute on the ledger of the order it names."""
    resource = event.get("resource")
    resource = resource if isinstance(resource, dict) else {}
    disputed = resource.get("disputed_transactions") or [{}]
    first = disputed[0] if isinstance(disputed, list) and isinstance(disputed[0], dict) else {}
    order_id = _known_order(settings, resource.get("custom_id") or first.get("custom"))
    if order_id is None:
        return "unknown_order"
    amount = resource.get("amount") or resource.get("dispute_amount") or {}
    entry: dict[str, object] = {
        "provider": "paypal",
        "event_id": event_id[:255],
        "type": event_type,
        "object_id": str(resource.get("id") or resource.get("dispute_id") or "")[:255],
        "amount": amount if isinstance(amount, dict) else {},
        "status": resource.get("status"),
        "reason": resource.get("reason"),
    }
    field = PAYPAL_LEDGER_EVENTS[event_type]
    if field == "disputes":
        entry["evidence"] = evidence(settings, order_id)
    ledger.append(settings, order_id, field, entry)
    return f"recorded:{field}"


def _settle_paypal_capture(
    settings: Settings, capture: PayPalCapture, *, read: sessions.Stored | None = None
) -> settlement.Settled | str:
    """The settlement, or why there was none (a capture not completed, an unknown order)."""
    if capture.status != "COMPLETED":
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
        return _orphan(provider, payment_id, order_id)
    refund: str = "pending"
    if provider == "stripe" and intent_id:
        from shared.gateways import stripe_gateway

        refund = stripe_gateway.refund_intent(
            settings, intent_id, idempotency_key=f"refund:{intent_id}"
        )
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
    return "late_payment_refunded" if refund != "pending" else "late_payment_refund_pending"


def _known_order(settings: Settings, order_id: str | None) -> str | None:
    if not order_id or not order_id.startswith("ord_") or len(order_id) > 64:
        return None
    return order_id if ledger.find(settings, order_id) is not None else None


def _orphan(provider: str, payment_id: str, order_id: str | None) -> str:
    """Money for an order we do not hold (deleted, or not ours): support must act."""
    firestore_client().collection(EVENTS_COLLECTION).document(
        _event_key(provider, f"orphan:{payment_id}")
    ).set(
        {
            "provider": provider,
            "payment_id": payment_id,
            "order_id": (order_id or "")[:64],
            "kind": "orphan_payment",
            "recorded_at": datetime.now(UTC),
            "expires_at": datetime.now(UTC) + EVENT_RETENTION,
        }
    )
    logger.warning("payment for an unknown order", extra={"fields": {"provider": provider}})
    return "unknown_order"


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


def _mark_processed(provider: str, event_id: str, event_type: str, outcome: str) -> None:
    """Recorded only after processing succeeded: a delivery that failed half-way is retried."""
    firestore_client().collection(EVENTS_COLLECTION).document(_event_key(provider, event_id)).set(
        {
            "provider": provider,
            "event_id": event_id[:255],
            "type": event_type[:100],
            "outcome": outcome,
            "processed_at": datetime.now(UTC),
            "expires_at": datetime.now(UTC) + EVENT_RETENTION,
        }
    )
