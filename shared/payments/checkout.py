"""create-intent: one provider intent per quote, whatever the clicks and retries.

The amount is always the server's quote, recomputed from the session's current selection and
voucher (``shared.pricing.quoting``); the client sends no amount. The session is read once, and
creating a provider intent — a side effect — happens between two conditional writes of it
(``sessions.update``: a precondition on the update time of the copy the decision was made on):

1. *reserve* — decide from the session as read: reuse the intent already made for this exact
   quote and method, wait for one being made right now (a double click), or write a new attempt
   id together with the quote it charges;
2. create the intent at the provider (idempotency key = order id + attempt id);
3. *record* — store the intent only if our attempt still holds; if the order changed meanwhile,
   cancel what we just created.

Three Firestore round trips on the common path (read, reserve, record). A write that finds the
session changed since it was read re-reads and decides again; contention that persists is a
409 with Retry-After, never a 500. localstripe ignores Stripe idempotency keys, so steps 1 and 3
are what make a double click charge once. A changed quote (new selection, other voucher) or a
changed method cancels the old intent and creates a new one. A zero total (100 % voucher) calls
no provider and settles at once.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import partial

from shared.gateways import failures
from shared.gateways.facade import cancel_intent
from shared.orders import order_state, sessions
from shared.orders.order_state import SessionStatus
from shared.orders.records import (
    PROVIDER_OF_METHOD,
    CheckoutMethod,
    PaymentRecord,
    PaymentState,
    QuoteRecord,
)
from shared.payments import ledger, settlement
from shared.payments.models import CreateIntentResponse, PayPalCheckout, StripeCheckout
from shared.platform import errors
from shared.platform.settings import Settings
from shared.pricing import quoting

logger = logging.getLogger(__name__)

CREATING_GRACE_S = 30  # a reservation older than this is abandoned (its creator died)
WAIT_FOR_OTHER_S = 5.0
WAIT_STEP_S = 0.2
_CHANGED = "The order changed while paying; ask for a new quote."


class Action(StrEnum):
    REUSE = "reuse"  # the intent for this quote and method exists: hand it out again
    WAIT = "wait"  # another request is creating it right now
    CREATE = "create"  # our attempt is reserved: create the intent


@dataclass(frozen=True)
class Decision:
    action: Action
    payment: PaymentRecord
    to_cancel: PaymentRecord | None = None  # the pending intent our new one replaces


@dataclass(frozen=True)
class _Created:
    intent_id: str
    client_secret: str | None = None  # Stripe: for Stripe.js only, never stored
    approve_url: str | None = None  # PayPal


def create_payment(
    settings: Settings,
    session_id: str,
    *,
    method: CheckoutMethod,
    language: str | None,
    client_ip: str,
) -> CreateIntentResponse:
    now = datetime.now(UTC)
    read = sessions.load(settings, session_id, now=now)
    if read.session.status == SessionStatus.PAID:
        # Paid, reports not started: an earlier after_paid failed (a free order's retry lands
        # here). Finish it, then answer 409 naming the status as for any paid order.
        read = settlement.after_paid(settings, read)
    order_state.apply("pay", read.session.status)
    quote = quoting.requote(settings, read.session, client_ip=client_ip, now=now)
    record = quoting.quote_record(quote, read.session.selection_version, now)
    if quote.is_free:
        return _settle_free_order(settings, read, record, language)

    read, decision = _reserve(settings, read, method, record, language, now)
    if decision.action == Action.REUSE:
        return _response(settings, decision.payment)
    if decision.to_cancel is not None and decision.to_cancel.intent_id:
        cancel_intent(
            settings,
            provider=decision.to_cancel.provider,
            intent_id=decision.to_cancel.intent_id,
        )
    created = _create_at_provider(settings, read.session, decision.payment)
    return _record(settings, read, decision.payment, created)


def _reserve(
    settings: Settings,
    read: sessions.Stored,
    method: CheckoutMethod,
    record: QuoteRecord,
    language: str | None,
    now: datetime,
) -> tuple[sessions.Stored, Decision]:
    """Reserve an attempt (one conditional write), or find the intent to reuse or wait for."""
    attempt = secrets.token_hex(8)  # drawn once: the decision below may run more than once
    baseline = read.session.quote  # the stored quote ``record`` was priced next to
    deadline = time.monotonic() + WAIT_FOR_OTHER_S
    key = read.session.session_key
    while True:
        run, also = ledger.mirroring(
            settings,
            partial(decide, method=method, record=record, baseline=baseline, attempt=attempt,
                    language=language, now=now,
                    payment_window=timedelta(seconds=settings.payment_window_s)),
        )  # fmt: skip
        read, decision = sessions.update(settings, key, run, read=read, now=now, also=also)
        if decision.action != Action.WAIT:
            return read, decision
        if time.monotonic() > deadline:
            raise sessions.Busy(
                "The payment is being prepared; try again in a moment.",
                current_status=SessionStatus.VEHICLES_SELECTED.value,
            )
        time.sleep(WAIT_STEP_S)
        now = datetime.now(UTC)
        read = sessions.load_by_key(settings, key, now=now)


def decide(
    session: sessions.OrderSession,
    *,
    method: CheckoutMethod,
    record: QuoteRecord,
    baseline: QuoteRecord | None,
    attempt: str,
    language: str | None,
    now: datetime,
    payment_window: timedelta = timedelta(0),
) -> tuple[sessions.OrderSession, Decision]:
    """Pure: what to do for this click, and the session to write for it.

    ``record`` is the quote just priced for ``baseline``, the quote the session held then;
    ``attempt`` the id a new reservation gets; ``now`` the time of this decision; a new intent
    keeps the session alive ``payment_window`` from now, so late money finds its order.
    """
    order_state.apply("pay", session.status)
    if session.selection_version != record.selection_version or (
        # Re-quoted by another request since ours was priced: its quote is not ours to pay.
        session.quote != baseline
        and not (session.quote is None or session.quote.same_terms(record))
    ):
        raise errors.Conflict(_CHANGED, current_status=session.status.value)
    voucher_code = record.voucher_code or ""
    quote_key = f"{record.selection_version}:{record.total_cents}:{record.currency}:{voucher_code}"
    current = session.payment
    if current is not None and current.last_failure_reason in failures.ENDED_INTENT_FAILURES:
        current = None  # cancelled or denied at the provider: a new intent, nothing to cancel
    if current is not None and current.quote_key == quote_key and current.method == method:
        if current.state == PaymentState.PENDING and current.intent_id:
            return session, Decision(Action.REUSE, current)
        started = current.started_at
        if (
            current.state == PaymentState.CREATING
            and started is not None
            and now - started < timedelta(seconds=CREATING_GRACE_S)
        ):
            return session, Decision(Action.WAIT, current)
    reserved = PaymentRecord(
        state=PaymentState.CREATING,
        attempt=attempt,
        provider=PROVIDER_OF_METHOD[method],
        method=method,
        quote_key=quote_key,
        amount_cents=record.total_cents,
        currency=record.currency,
        started_at=now,
    )
    previous = current if current is not None and current.cancellable_intent else None
    changed = session.model_copy(
        update={
            "payment": reserved,
            "quote": quoting.kept_or_new(session.quote, record),
            "language": language or session.language,
            "expires_at": max(session.expires_at, now + payment_window),
        }
    )
    return changed, Decision(Action.CREATE, reserved, previous)


def _create_at_provider(
    settings: Settings, session: sessions.OrderSession, attempt: PaymentRecord
) -> _Created:
    metadata = {
        "order_id": session.order_id,
        "selection_version": str(session.selection_version),
        "quote_total_cents": str(attempt.amount_cents),
    }
    idempotency_key = f"create:{session.order_id}:{attempt.attempt}"
    if attempt.provider == "stripe":
        from shared.gateways import stripe_gateway

        intent = stripe_gateway.create_intent(
            settings,
            amount_cents=attempt.amount_cents,
            currency=attempt.currency,
            metadata=metadata,
            idempotency_key=idempotency_key,
        )
        return _Created(intent_id=intent.id, client_secret=intent.client_secret)
    from shared.gateways import paypal_gateway

    order = paypal_gateway.create_order(
        settings,
        amount_cents=attempt.amount_cents,
        currency=attempt.currency,
        order_id=session.order_id,
        selection_version=session.selection_version,
        request_id=idempotency_key,
    )
    return _Created(intent_id=order.id, approve_url=order.approve_url)


def _record(
    settings: Settings, read: sessions.Stored, attempt: PaymentRecord, created: _Created
) -> CreateIntentResponse:
    def store(
        session: sessions.OrderSession,
    ) -> tuple[sessions.OrderSession, PaymentRecord | None]:
        """The session with our intent; None when another request replaced our attempt."""
        current = session.payment
        if (
            current is None
            or current.attempt != attempt.attempt
            or current.state != PaymentState.CREATING
        ):
            return session, None
        pending = current.model_copy(
            update={
                "state": PaymentState.PENDING,
                "intent_id": created.intent_id,
                "approve_url": created.approve_url,  # not a secret: PayPal's page
            }
        )
        return session.model_copy(update={"payment": pending}), pending

    try:
        run, also = ledger.mirroring(settings, store)
        stored, pending = sessions.update(
            settings, read.session.session_key, run, read=read, also=also
        )
    except errors.ApiError:
        pending = None
    if pending is None:
        cancel_intent(settings, provider=attempt.provider, intent_id=created.intent_id)
        raise errors.Conflict(
            _CHANGED, current_status=SessionStatus.VEHICLES_SELECTED.value
        ) from None
    logger.info(
        "payment intent created",
        extra={"fields": {"order_id": stored.session.order_id, "provider": attempt.provider}},
    )
    return _response(settings, pending, client_secret=created.client_secret)


def _response(
    settings: Settings, payment: PaymentRecord, *, client_secret: str | None = None
) -> CreateIntentResponse:
    stripe_checkout = paypal_checkout = None
    intent_id = payment.intent_id or ""
    if payment.provider == "stripe":
        if client_secret is None:  # a reused intent: the secret is never stored, so re-read it
            from shared.gateways import stripe_gateway

            client_secret = stripe_gateway.retrieve_intent(settings, intent_id).client_secret
        stripe_checkout = StripeCheckout(
            payment_intent_id=intent_id,
            client_secret=client_secret or "",
            publishable_key=settings.stripe_publishable_key,
        )
    else:
        paypal_checkout = PayPalCheckout(order_id=intent_id, approve_url=payment.approve_url or "")
    return CreateIntentResponse(
        status="requires_payment",
        provider=payment.provider,
        method=payment.method,
        amount_cents=payment.amount_cents,
        currency=payment.currency,
        stripe=stripe_checkout,
        paypal=paypal_checkout,
    )


def _settle_free_order(
    settings: Settings, read: sessions.Stored, record: QuoteRecord, language: str | None
) -> CreateIntentResponse:
    """A 100 % voucher: no provider; the order is paid with the voucher as the method."""

    def freeze(session: sessions.OrderSession) -> sessions.OrderSession:
        # The quote and language go into the same write that marks the order paid.
        if session.selection_version != record.selection_version:
            raise errors.Conflict(_CHANGED, current_status=session.status.value)
        return session.model_copy(
            update={
                "quote": quoting.kept_or_new(session.quote, record),
                "language": language or session.language,
            }
        )

    session = read.session
    settled = settlement.settle(
        settings,
        session.session_key,
        settlement.Settlement(
            provider="voucher",
            method="voucher",
            payment_id=f"voucher:{session.order_id}:{session.selection_version}",
            intent_id=None,
            amount_cents=0,
            currency=record.currency,
            selection_version=session.selection_version,
        ),
        read=read,
        prepare=freeze,
    )
    if settled.outcome == settlement.Outcome.VOUCHER_LIMIT:
        raise errors.Conflict(
            "This voucher has just been used up; ask for a new quote.",
            settled.session.status.value,
            reason=settlement.Outcome.VOUCHER_LIMIT.value,
        )
    return CreateIntentResponse(
        status="paid",
        provider="voucher",
        method="voucher",
        amount_cents=0,
        currency=record.currency,
    )
