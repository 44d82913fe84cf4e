"""The one façade over payment providers for what does not depend on the order: cancel an intent.

Callers (re-selection, create-intent) pass the provider and intent id of the payment record; the
SDK of that provider loads only here, on the path that uses it.
"""

from __future__ import annotations

import logging

from shared.platform import errors
from shared.platform.settings import Settings

logger = logging.getLogger(__name__)


def cancel_intent(settings: Settings, *, provider: str, intent_id: str) -> None:
    """Best effort: an uncancelled stale intent can still not be charged for the wrong order,
    because settlement checks every payment against the current quote."""
    try:
        if provider == "stripe":
            from shared.gateways import stripe_gateway

            stripe_gateway.cancel_intent(settings, intent_id)
        # A PayPal order that is never approved and captured simply expires at PayPal.
    except errors.ApiError:
        logger.warning("could not cancel a superseded intent")
