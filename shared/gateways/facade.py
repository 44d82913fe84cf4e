"""The one façade over payment providers for what does not depend on the order: cancel an intent.

Callers (re-selection, create-intent) name the provider in the payment record; the SDK of that
provider loads only here, on the path that uses it.
"""

from __future__ import annotations

import logging
from typing import Any

from shared.platform import errors
from shared.platform.settings import Settings

logger = logging.getLogger(__name__)


def cancel_intent(settings: Settings, payment: dict[str, Any]) -> None:
    """Best effort: an uncancelled stale intent can still not be charged for the wrong order,
    because settlement checks every payment against the current quote."""
    try:
        if payment["provider"] == "stripe":
            from shared.gateways import stripe_gateway

            stripe_gateway.cancel_intent(settings, payment["intent_id"])
        # A PayPal order that is never approved and captured simply expires at PayPal.
    except errors.ApiError:
        logger.warning("could not cancel a superseded intent")
