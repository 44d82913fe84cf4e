"""The route table: the single source of truth for what the API serves.

Each row is one Cloud Function (2nd gen). The local gateway (``dev/gateway.py``), the deploy
(``dev/deploy_plan.py`` → ``cloudbuild.yaml``), the OpenAPI document (``shared/api/openapi.py``)
and the deploy entry module (``main.py``) are all built from this table, so a path, a target, a
memory size or a secret is written down once.

Paths are relative to the API prefix (``/api/v1``). ``{name}`` marks a path parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from pydantic import BaseModel

from shared.api import models
from shared.payments import models as payment_models
from shared.pricing import models as pricing_models

API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class Route:
    target: str  # the entry point's name in its module, and the function's name in the cloud
    method: str
    path: str
    module: str  # dotted module holding the entry point; imported only when that target runs
    summary: str
    tag: str
    request_model: type[BaseModel] | None = None  # JSON body
    query_model: type[BaseModel] | None = None
    response_model: type[BaseModel] | None = None
    success_status: int = 200
    error_statuses: tuple[int, ...] = (422,)
    public: bool = True  # False: internal targets (Cloud Tasks workers), not on the public entry
    cache_control: str = "no-store"
    # Deploy settings (Cloud Functions 2nd gen).
    memory: str = "256Mi"
    timeout_s: int = 60
    max_instances: int = 10
    secrets: tuple[str, ...] = field(default=())  # settings fields injected via --set-secrets

    @property
    def full_path(self) -> str:
        return API_PREFIX + self.path

    @property
    def function_name(self) -> str:
        """The Cloud Function's name: the target in kebab case (``tesla-oauth-initiate``)."""
        return self.target.replace("_", "-")

    @cached_property
    def path_params(self) -> tuple[str, ...]:
        return tuple(re.findall(r"\{(\w+)\}", self.path))

    @cached_property
    def path_pattern(self) -> re.Pattern[str]:
        """Matches the route's path at the end of a request path, capturing its parameters.

        Anchored at the end only, so it matches both ``/api/v1/x/{id}`` (through the gateway)
        and ``/x/{id}`` (calling the function's own URL).
        """
        return re.compile(rf"(?:^|/){_template_regex(self.path).lstrip('/')}/?$")

    @cached_property
    def full_path_pattern(self) -> re.Pattern[str]:
        """Matches exactly the public path ``/api/v1/...`` (what the gateway routes on)."""
        return re.compile(rf"^{_template_regex(self.full_path)}/?$")


def _template_regex(path: str) -> str:
    """``/x/{id}`` → a regex with one named group per parameter; nothing else is special."""
    return re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))


ROUTES: tuple[Route, ...] = (
    Route(
        target="health",
        method="GET",
        path="/health",
        module="functions.health",
        summary="Liveness and readiness: the function runs and reaches Firestore.",
        tag="operations",
        response_model=models.HealthResponse,
        error_statuses=(503,),
        memory="256Mi",
        timeout_s=10,
    ),
    Route(
        target="tesla_oauth_initiate",
        method="POST",
        path="/tesla/oauth/initiate",
        module="functions.tesla_oauth",
        summary="Start connecting a car account: returns the brand's consent page URL.",
        tag="connect",
        request_model=models.OAuthInitiateRequest,
        response_model=models.OAuthInitiateResponse,
        error_statuses=(404, 409, 410, 413, 422, 429),
        secrets=("token_encryption_key",),
    ),
    Route(
        target="tesla_oauth_callback",
        method="GET",
        path="/tesla/oauth/callback",
        module="functions.tesla_oauth",
        summary="The brand redirects here; creates the order session and redirects to the WUI "
        "with ?oauth=success&session_id=… or ?oauth=error&reason=….",
        tag="connect",
        query_model=models.OAuthCallbackQuery,
        success_status=302,
        error_statuses=(429,),
        timeout_s=60,
        secrets=("tesla_client_secret", "token_encryption_key"),
    ),
    Route(
        target="tesla_session_vehicles",
        method="GET",
        path="/tesla/session/{session_id}/vehicles",
        module="functions.tesla_session",
        summary="The cars found on the connected account (no call to the brand).",
        tag="connect",
        response_model=models.VehiclesResponse,
        error_statuses=(404, 409, 410, 422),
    ),
    Route(
        target="tesla_session_select",
        method="POST",
        path="/tesla/session/{session_id}/select",
        module="functions.tesla_session",
        summary="Choose cars and a package; a new choice voids any earlier quote.",
        tag="connect",
        request_model=models.SelectRequest,
        response_model=models.SelectResponse,
        error_statuses=(404, 409, 410, 413, 422),
    ),
    Route(
        target="pricing_catalog",
        method="GET",
        path="/pricing/catalog",
        module="functions.pricing",
        summary="Packages, their features and the tier prices by number of vehicles.",
        tag="pricing",
        response_model=pricing_models.CatalogResponse,
        error_statuses=(),
        cache_control="public, max-age=300",
    ),
    Route(
        target="pricing_quote",
        method="POST",
        path="/pricing/quote",
        module="functions.pricing",
        summary="Price the session's selection (tier + optional voucher, VAT included); the "
        "stored quote is what the payment charges.",
        tag="pricing",
        request_model=pricing_models.QuoteRequest,
        response_model=pricing_models.QuoteResponse,
        error_statuses=(404, 409, 410, 413, 422, 429),
    ),
    Route(
        target="pricing_validate_voucher",
        method="POST",
        path="/pricing/validate-voucher",
        module="functions.pricing",
        summary="Preview a voucher code: valid with its effect, or not valid.",
        tag="pricing",
        request_model=pricing_models.VoucherValidateRequest,
        response_model=pricing_models.VoucherValidateResponse,
        error_statuses=(413, 422, 429),
    ),
    Route(
        target="payment_create_intent",
        method="POST",
        path="/payment/create-intent",
        module="functions.payments",
        summary="Pay the session's quote: one Stripe PaymentIntent or PayPal order per quote "
        "(the same quote again returns the same intent); a zero total is paid at once.",
        tag="payment",
        request_model=payment_models.CreateIntentRequest,
        response_model=payment_models.CreateIntentResponse,
        error_statuses=(404, 409, 410, 413, 422, 429, 503),
        secrets=("stripe_secret_key", "paypal_client_secret"),
    ),
    Route(
        target="payment_verify",
        method="POST",
        path="/payment/verify",
        module="functions.payments",
        summary="Stripe's webhook (signed): settles payment_intent.succeeded exactly once.",
        tag="payment",
        response_model=payment_models.WebhookAck,
        error_statuses=(400, 413, 503),
        secrets=("stripe_secret_key", "stripe_webhook_secret"),
    ),
    Route(
        target="payment_paypal_capture",
        method="POST",
        path="/payment/paypal/capture",
        module="functions.payments",
        summary="The WUI calls this when the buyer returns from PayPal: capture and settle.",
        tag="payment",
        request_model=payment_models.PayPalCaptureRequest,
        response_model=payment_models.PaymentStatusResponse,
        error_statuses=(404, 409, 410, 413, 422, 503),
        secrets=("paypal_client_secret",),
    ),
    Route(
        target="payment_paypal_webhook",
        method="POST",
        path="/payment/paypal/webhook",
        module="functions.payments",
        summary="PayPal's webhook (verified with PayPal): settles PAYMENT.CAPTURE.COMPLETED.",
        tag="payment",
        response_model=payment_models.WebhookAck,
        error_statuses=(400, 413, 503),
        secrets=("paypal_client_secret",),
    ),
    Route(
        target="reports_generate",
        method="POST",
        path="/reports/generate",
        module="functions.reports",
        summary="Start (or retry) building the paid order's reports; re-queues only missing or "
        "failed cars. Generation also starts by itself after payment.",
        tag="reports",
        request_model=models.GenerateRequest,
        response_model=models.GenerateResponse,
        error_statuses=(404, 409, 410, 413, 422),
    ),
    Route(
        target="reports_worker",
        method="POST",
        path="/internal/reports/worker",
        module="functions.reports",
        summary="Cloud Tasks target: builds one car's report.",
        tag="internal",
        request_model=models.WorkerTask,
        response_model=models.WorkerAck,
        error_statuses=(401, 422, 503),
        public=False,
        memory="1Gi",
        timeout_s=900,
        max_instances=20,
        secrets=("token_encryption_key", "tesla_client_secret"),
    ),
    Route(
        target="tesla_report",
        method="GET",
        path="/tesla/report/{session_id}",
        module="functions.reports",
        summary="Every car of the order with its status, and the built reports (reusable).",
        tag="reports",
        response_model=models.ReportsResponse,
        error_statuses=(404, 409, 410, 422),
        memory="512Mi",
    ),
    Route(
        target="tesla_report_pdf",
        method="GET",
        path="/tesla/report/{session_id}/pdf/{vehicle_id}",
        module="functions.reports",
        summary="One car's PDF report (streamed; the bucket is never public).",
        tag="reports",
        error_statuses=(404, 409, 410, 422),
        memory="512Mi",
    ),
    Route(
        target="tesla_report_receipt",
        method="GET",
        path="/tesla/report/{session_id}/receipt",
        module="functions.reports",
        summary="The order's receipt PDF with its VAT breakdown.",
        tag="reports",
        error_statuses=(404, 409, 410, 422),
    ),
)

ROUTES_BY_TARGET: dict[str, Route] = {route.target: route for route in ROUTES}


def route_for(target: str) -> Route:
    return ROUTES_BY_TARGET[target]
