"""API models of the payment endpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.orders.records import CheckoutMethod, PaymentMethod, PaymentProvider
from shared.platform.api_models import RequestModel, ResponseModel, SessionId
from shared.product.languages import ReportLanguage


class CreateIntentRequest(RequestModel):
    session_id: SessionId
    method: CheckoutMethod
    language: ReportLanguage | None = Field(
        default=None, description="Language of the PDF reports (English when not given)."
    )


class StripeCheckout(ResponseModel):
    payment_intent_id: str
    client_secret: str = Field(description="For Stripe.js only: never store or log it.")
    publishable_key: str


class PayPalCheckout(ResponseModel):
    order_id: str
    approve_url: str = Field(description="Send the buyer here to approve the payment.")


class CreateIntentResponse(ResponseModel):
    status: Literal["requires_payment", "paid"] = Field(
        description="`paid` when the total is zero (a 100 % voucher): nothing to pay."
    )
    provider: PaymentProvider
    method: PaymentMethod
    amount_cents: int
    currency: str
    stripe: StripeCheckout | None = None
    paypal: PayPalCheckout | None = None


class PayPalCaptureRequest(RequestModel):
    session_id: SessionId


class PaymentStatusResponse(ResponseModel):
    status: str = Field(description="The order's status after this call (e.g. `paid`).")
    outcome: str


class WebhookAck(ResponseModel):
    received: bool = True
    outcome: str
