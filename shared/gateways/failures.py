"""Why a payment attempt failed, as a code and a sentence a customer may read.

Providers say why a payment failed in their own vocabulary (Stripe's decline codes, PayPal's
issues). The order keeps the provider's code (``PaymentRecord.last_failure_reason``); what the
WUI shows is derived from it here. Declines that hint at fraud (a lost or stolen card, a
fraudulent payment) are shown as a plain decline, as Stripe advises: telling a fraudster which
check failed helps them.

Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# Our own codes for failures a provider reports without a decline code.
INTENT_CANCELED: Final = "canceled"  # Stripe cancelled the PaymentIntent (or it expired)
PAYPAL_INSTRUMENT_DECLINED: Final = "instrument_declined"  # capture refused the funding source
PAYPAL_CAPTURE_DENIED: Final = "capture_denied"  # a capture (or a PENDING one) was denied
GENERIC_DECLINE: Final = "card_declined"

# After these the provider's intent can no longer be paid: the next create-intent makes a new one.
ENDED_INTENT_FAILURES: Final = frozenset({INTENT_CANCELED, PAYPAL_CAPTURE_DENIED})

_MESSAGES: Final[dict[str, str]] = {
    GENERIC_DECLINE: "Your card was declined. Please use another card or payment method.",
    "insufficient_funds": "Your card has insufficient funds. Please use another card.",
    "expired_card": "Your card has expired. Please use another card.",
    "incorrect_cvc": "The card's security code is incorrect. Please check it and try again.",
    "invalid_cvc": "The card's security code is incorrect. Please check it and try again.",
    "incorrect_number": "The card number is incorrect. Please check it and try again.",
    "processing_error": "Your card could not be charged just now. Please try again.",
    "try_again_later": "Your card could not be charged just now. Please try again.",
    "authentication_required": "Your bank could not confirm the payment. Please try again.",
    "payment_intent_authentication_failure": (
        "Your bank could not confirm the payment. Please try again or use another card."
    ),
    "card_velocity_exceeded": "Your card's limit was reached. Please use another card.",
    "withdrawal_count_limit_exceeded": "Your card's limit was reached. Please use another card.",
    INTENT_CANCELED: "The payment was cancelled. Please start the payment again.",
    PAYPAL_INSTRUMENT_DECLINED: (
        "PayPal declined the chosen funding source. Please approve the payment again with "
        "another one, or choose another payment method."
    ),
    PAYPAL_CAPTURE_DENIED: (
        "PayPal denied the payment. Please pay again or choose another payment method."
    ),
}


@dataclass(frozen=True)
class CustomerFailure:
    code: str  # one of the keys above: safe to show and to branch on in the WUI
    message: str  # English; the WUI may translate by code


def for_customer(provider_code: str | None) -> CustomerFailure:
    """What the buyer may be told about a failure the provider reported as ``provider_code``."""
    code = provider_code if provider_code in _MESSAGES else GENERIC_DECLINE
    return CustomerFailure(code=code, message=_MESSAGES[code])
