"""POST /payment/create-intent, /payment/verify (Stripe webhook), /payment/paypal/capture,
/payment/paypal/webhook."""

from __future__ import annotations

import functions_framework

from functions.routes import endpoint
from shared.payments import checkout, webhooks
from shared.payments.models import CreateIntentResponse, PaymentStatusResponse, WebhookAck
from shared.platform.http import Call


@functions_framework.http
@endpoint("payment_create_intent")
def payment_create_intent(call: Call) -> CreateIntentResponse:
    return checkout.create_payment(
        call.settings,
        call.body.session_id,
        method=call.body.method,
        language=call.body.language,
        client_ip=call.client_ip,
    )


@functions_framework.http
@endpoint("payment_verify")
def payment_verify(call: Call) -> WebhookAck:
    outcome = webhooks.handle_stripe_event(
        call.settings, call.raw_body(), call.request.headers.get("Stripe-Signature")
    )
    return WebhookAck(outcome=outcome)


@functions_framework.http
@endpoint("payment_paypal_capture")
def payment_paypal_capture(call: Call) -> PaymentStatusResponse:
    status, outcome = webhooks.capture_paypal(call.settings, call.body.session_id)
    return PaymentStatusResponse(status=status, outcome=outcome)


@functions_framework.http
@endpoint("payment_paypal_webhook")
def payment_paypal_webhook(call: Call) -> WebhookAck:
    outcome = webhooks.handle_paypal_event(
        call.settings, dict(call.request.headers), call.raw_body()
    )
    return WebhookAck(outcome=outcome)
