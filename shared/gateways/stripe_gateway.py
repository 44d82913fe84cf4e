"""Stripe PaymentIntents through stripe-python, imported only by the functions that pay.

Locally ``CPT_STRIPE_API_BASE`` points at localstripe, which knows no
``automatic_payment_methods``: there the intent is created for cards only. In the cloud Stripe's
automatic payment methods cover cards, Google Pay and Apple Pay with the same intent.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from shared.platform.errors import UpstreamUnavailable
from shared.platform.settings import Settings

if TYPE_CHECKING:
    import stripe
    from stripe.params import PaymentIntentCreateParams

    class _IntentParams(PaymentIntentCreateParams, total=False):
        # localstripe's name (older API versions) of allowed_payment_method_types.
        payment_method_types: list[str]


T = TypeVar("T")


@dataclass(frozen=True)
class StripeIntent:
    id: str
    status: str
    amount: int
    amount_received: int
    currency: str
    metadata: dict[str, str]
    client_secret: str | None
    last_error: str | None = None  # why the last attempt failed (decline code), for the WUI

    def __repr__(self) -> str:  # the client secret must never be printed
        return f"StripeIntent(id={self.id!r}, status={self.status!r}, amount={self.amount})"


@cache
def _client(api_key: str, api_base: str | None) -> stripe.StripeClient:
    import stripe

    return stripe.StripeClient(
        api_key, base_addresses={"api": api_base} if api_base else None, max_network_retries=2
    )


def client(settings: Settings) -> stripe.StripeClient:
    return _client(settings.stripe_secret_key.get_secret_value(), settings.stripe_api_base)


def _intent(resource: stripe.PaymentIntent) -> StripeIntent:
    raw = resource.to_dict()
    return StripeIntent(
        id=raw["id"],
        status=raw["status"],
        amount=int(raw["amount"]),
        # localstripe omits amount_received; for a succeeded intent it is the full amount.
        amount_received=int(
            raw["amount_received"]
            if raw.get("amount_received") is not None
            else (raw["amount"] if raw["status"] == "succeeded" else 0)
        ),
        currency=str(raw["currency"]).upper(),
        metadata={k: str(v) for k, v in (raw.get("metadata") or {}).items()},
        client_secret=raw.get("client_secret"),
        last_error=_last_error(raw.get("last_payment_error")),
    )


def _last_error(error: object) -> str | None:
    if not isinstance(error, dict):
        return None
    reason = error.get("decline_code") or error.get("code")
    return str(reason)[:64] if reason else None


def _calling(action: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Stripe's errors as UpstreamUnavailable, without Stripe's message (it can echo params)."""

    def wrap(function: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> T:
            import stripe

            try:
                return function(*args, **kwargs)
            except stripe.StripeError as error:
                raise UpstreamUnavailable(
                    f"Stripe could not {action}.", provider_error=type(error).__name__
                ) from None

        return call

    return wrap


@_calling("create the payment")
def create_intent(
    settings: Settings,
    *,
    amount_cents: int,
    currency: str,
    metadata: dict[str, str],
    idempotency_key: str,
) -> StripeIntent:
    params: _IntentParams = {
        "amount": amount_cents,
        "currency": currency.lower(),
        "metadata": metadata,
    }
    if settings.stripe_api_base:
        params["payment_method_types"] = ["card"]  # localstripe: no automatic payment methods
    else:
        params["automatic_payment_methods"] = {"enabled": True}  # cards + wallets
    raw = client(settings).v1.payment_intents.create(
        params=params, options={"idempotency_key": idempotency_key}
    )
    return _intent(raw)


@_calling("read the payment")
def retrieve_intent(settings: Settings, intent_id: str) -> StripeIntent:
    return _intent(client(settings).v1.payment_intents.retrieve(intent_id))


@_calling("cancel the payment")
def cancel_intent(settings: Settings, intent_id: str) -> None:
    import stripe

    with contextlib.suppress(stripe.InvalidRequestError):  # already canceled or succeeded
        client(settings).v1.payment_intents.cancel(intent_id)


@_calling("refund the payment")
def refund_intent(settings: Settings, intent_id: str, *, idempotency_key: str) -> str:
    refund = client(settings).v1.refunds.create(
        params={"payment_intent": intent_id}, options={"idempotency_key": idempotency_key}
    )
    return str(refund["id"])


def construct_event(settings: Settings, payload: bytes, signature: str | None) -> dict[str, Any]:
    """The verified event, or ValueError for a bad signature, stale timestamp or bad JSON."""
    import stripe

    try:
        # stripe-python leaves construct_event unannotated; it returns the verified Event.
        event: stripe.Event = stripe.Webhook.construct_event(
            payload, signature, settings.stripe_webhook_secret.get_secret_value()
        )
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise ValueError(type(error).__name__) from None
    return event.to_dict()
