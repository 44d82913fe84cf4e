"""create-intent: one provider intent per quote, whatever the clicks and retries.

The amount is always the server's quote, recomputed from the session's current selection and
voucher (``shared.pricing.quoting``); the client sends no amount. Creating a provider intent is
a side effect, so it happens outside Firestore transactions, fenced by two of them:

1. *reserve* — in a transaction, decide: reuse the intent already made for this exact quote and
   method, wait for one being made right now (a double click), or claim a new attempt id;
2. create the intent at the provider (idempotency key = order id + attempt id);
3. *record* — in a transaction, store the intent only if our attempt still holds; if the order
   changed meanwhile, cancel what we just created.

localstripe ignores Stripe idempotency keys, so steps 1 and 3 are what make a double click
charge once. A changed quote (new selection, other voucher) or a changed method cancels the old
intent and creates a new one. A zero total (100 % voucher) calls no provider and settles at once.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.gateways.facade import cancel_intent
from shared.orders import order_state, sessions
from shared.orders.order_state import SessionStatus
from shared.payments import settlement
from shared.payments.models import CreateIntentResponse, PayPalCheckout, StripeCheckout
from shared.platform import errors
from shared.platform.settings import Settings
from shared.pricing import quoting

logger = logging.getLogger(__name__)

PROVIDER_OF_METHOD = {
    "stripe": "stripe",
    "googlepay": "stripe",
    "applepay": "stripe",
    "paypal": "paypal",
}
CREATING_GRACE_S = 30  # a reservation older than this is abandoned (its creator died)
WAIT_FOR_OTHER_S = 5.0


@dataclass(frozen=True)
class _Decision:
    action: str  # reuse | wait | create
    payment: dict[str, Any]
    to_cancel: dict[str, Any] | None = None


def create_payment(
    settings: Settings,
    session_id: str,
    *,
    method: str,
    language: str | None,
    client_ip: str,
) -> CreateIntentResponse:
    session = sessions.load_session(settings, session_id)
    order_state.apply("pay", session.status)
    voucher = (session.quote or {}).get("voucher") or {}
    quote = quoting.quote_session(
        settings, session_id, voucher_code=voucher.get("code"), client_ip=client_ip
    )
    if quote.total_cents == 0:
        return _settle_free_order(settings, session_id, language)

    voucher_code = quote.voucher.code if quote.voucher else ""
    quote_key = f"{session.selection_version}:{quote.total_cents}:{quote.currency}:{voucher_code}"
    deadline = time.monotonic() + WAIT_FOR_OTHER_S
    while True:
        decision = _reserve(settings, session_id, method, quote_key, quote, language)
        if decision.action != "wait":
            break
        if time.monotonic() > deadline:
            raise errors.Conflict(
                "The payment is being prepared; try again in a moment.",
                current_status=SessionStatus.VEHICLES_SELECTED.value,
            )
        time.sleep(0.2)

    if decision.action == "reuse":
        return _response(settings, decision.payment)
    if decision.to_cancel:
        cancel_intent(settings, decision.to_cancel)
    created = _create_at_provider(settings, session, decision.payment)
    return _record(settings, session_id, decision.payment, created)


def _reserve(
    settings: Settings,
    session_id: str,
    method: str,
    quote_key: str,
    quote: Any,
    language: str | None,
) -> _Decision:
    now = datetime.now(UTC)
    decided: dict[str, _Decision] = {}

    def decide(session: sessions.OrderSession) -> sessions.OrderSession:
        order_state.apply("pay", session.status)
        stored = session.quote or {}
        if stored.get("selection_version") != session.selection_version or (
            stored.get("total_cents") != quote.total_cents
        ):
            raise errors.Conflict(
                "The order changed while paying; ask for a new quote.",
                current_status=session.status.value,
            )
        current = session.payment or {}
        same = current.get("quote_key") == quote_key and current.get("method") == method
        if same and current.get("state") == "pending" and current.get("intent_id"):
            decided["value"] = _Decision("reuse", current)
            return session
        started = current.get("started_at")
        if (
            same
            and current.get("state") == "creating"
            and started is not None
            and now - started < timedelta(seconds=CREATING_GRACE_S)
        ):
            decided["value"] = _Decision("wait", current)
            return session
        attempt = {
            "state": "creating",
            "attempt": secrets.token_hex(8),
            "provider": PROVIDER_OF_METHOD[method],
            "method": method,
            "quote_key": quote_key,
            "amount_cents": quote.total_cents,
            "currency": quote.currency,
            "started_at": now,
        }
        previous = (
            current if current.get("intent_id") and current.get("state") == "pending" else None
        )
        decided["value"] = _Decision("create", attempt, previous)
        update: dict[str, Any] = {"payment": attempt}
        if language:
            update["language"] = language
        return session.model_copy(update=update)

    sessions.update_session(settings, session_id, decide, now=now)
    return decided["value"]


def _create_at_provider(
    settings: Settings, session: sessions.OrderSession, attempt: dict[str, Any]
) -> dict[str, Any]:
    metadata = {
        "order_id": session.order_id,
        "selection_version": str(session.selection_version),
        "quote_total_cents": str(attempt["amount_cents"]),
    }
    idempotency_key = f"create:{session.order_id}:{attempt['attempt']}"
    if attempt["provider"] == "stripe":
        from shared.gateways import stripe_gateway

        intent = stripe_gateway.create_intent(
            settings,
            amount_cents=attempt["amount_cents"],
            currency=attempt["currency"],
            metadata=metadata,
            idempotency_key=idempotency_key,
        )
        return {"intent_id": intent.id, "client_secret": intent.client_secret}
    from shared.gateways import paypal_gateway

    order = paypal_gateway.create_order(
        settings,
        amount_cents=attempt["amount_cents"],
        currency=attempt["currency"],
        order_id=session.order_id,
        selection_version=session.selection_version,
        request_id=idempotency_key,
    )
    return {"intent_id": order.id, "approve_url": order.approve_url}


def _record(
    settings: Settings, session_id: str, attempt: dict[str, Any], created: dict[str, Any]
) -> CreateIntentResponse:
    def store(session: sessions.OrderSession) -> sessions.OrderSession:
        current = session.payment or {}
        if current.get("attempt") != attempt["attempt"] or current.get("state") != "creating":
            raise _Superseded
        stored = {**current, "state": "pending", "intent_id": created["intent_id"]}
        if created.get("approve_url"):
            stored["approve_url"] = created["approve_url"]  # not a secret: PayPal's page
        return session.model_copy(update={"payment": stored})

    try:
        session = sessions.update_session(settings, session_id, store)
    except (_Superseded, errors.ApiError):
        cancel_intent(settings, {**attempt, "intent_id": created["intent_id"]})
        raise errors.Conflict(
            "The order changed while paying; ask for a new quote.",
            current_status=SessionStatus.VEHICLES_SELECTED.value,
        ) from None
    logger.info(
        "payment intent created",
        extra={"fields": {"order_id": session.order_id, "provider": attempt["provider"]}},
    )
    return _response(settings, session.payment or {}, client_secret=created.get("client_secret"))


class _Superseded(Exception):
    """Another request replaced our reservation while the intent was being created."""


def _response(
    settings: Settings, payment: dict[str, Any], *, client_secret: str | None = None
) -> CreateIntentResponse:
    stripe_checkout = paypal_checkout = None
    if payment["provider"] == "stripe":
        if client_secret is None:  # a reused intent: the secret is never stored, so re-read it
            from shared.gateways import stripe_gateway

            client_secret = stripe_gateway.retrieve_intent(
                settings, payment["intent_id"]
            ).client_secret
        stripe_checkout = StripeCheckout(
            payment_intent_id=payment["intent_id"],
            client_secret=client_secret or "",
            publishable_key=settings.stripe_publishable_key,
        )
    else:
        paypal_checkout = PayPalCheckout(
            order_id=payment["intent_id"], approve_url=payment["approve_url"]
        )
    return CreateIntentResponse(
        status="requires_payment",
        provider=payment["provider"],
        method=payment["method"],
        amount_cents=payment["amount_cents"],
        currency=payment["currency"],
        stripe=stripe_checkout,
        paypal=paypal_checkout,
    )


def _settle_free_order(
    settings: Settings, session_id: str, language: str | None
) -> CreateIntentResponse:
    """A 100 % voucher: no provider; the order is paid with the voucher as the method."""
    session = sessions.load_session(settings, session_id)
    if language and language != session.language:
        session = sessions.update_session(
            settings, session_id, lambda s: s.model_copy(update={"language": language})
        )
    quote = session.quote or {}
    settlement.settle(
        settings,
        session.session_key,
        settlement.Settlement(
            provider="voucher",
            method="voucher",
            payment_id=f"voucher:{session.order_id}:{session.selection_version}",
            intent_id=None,
            amount_cents=0,
            currency=quote["currency"],
            selection_version=session.selection_version,
        ),
    )
    return CreateIntentResponse(
        status="paid",
        provider="voucher",
        method="voucher",
        amount_cents=0,
        currency=quote["currency"],
    )
