"""The route table: the single source of truth for what the API serves.

Each row is one Cloud Function (2nd gen). The local gateway (``dev/gateway.py``), the deploy
(``dev/deploy_plan.py`` → ``cloudbuild.yaml``), the OpenAPI document
(``shared/platform/openapi.py``) and the deploy entry module (``main.py``) are all built from
this table, so a path, a target, a memory size or a secret is written down once.

Paths are relative to the API prefix (``/api/v1``). ``{name}`` marks a path parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from shared.connect import models as connect_models
from shared.delivery import models as delivery_models
from shared.operations import models as operations_models
from shared.orders import models as order_models
from shared.payments import models as payment_models
from shared.platform import api_models
from shared.platform.routing import API_PREFIX, Route

__all__ = ["API_PREFIX", "ROUTES", "ROUTES_BY_TARGET", "Route", "endpoint", "route_for"]
from shared.pricing import models as pricing_models
from shared.sharing import models as sharing_models

if TYPE_CHECKING:
    import flask
    from werkzeug.wrappers import Response

    from shared.platform.http import Handler


ROUTES: tuple[Route, ...] = (
    Route(
        target="health",
        method="GET",
        path="/health",
        module="functions.health",
        summary="Liveness and readiness: the function runs and reaches Firestore.",
        tag="operations",
        response_model=api_models.HealthResponse,
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
        request_model=connect_models.OAuthInitiateRequest,
        response_model=connect_models.OAuthInitiateResponse,
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
        query_model=connect_models.OAuthCallbackQuery,
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
        response_model=order_models.VehiclesResponse,
        error_statuses=(404, 409, 410, 422),
    ),
    Route(
        target="tesla_session_select",
        method="POST",
        path="/tesla/session/{session_id}/select",
        module="functions.tesla_session",
        summary="Choose cars and a package; a new choice voids any earlier quote.",
        tag="connect",
        request_model=order_models.SelectRequest,
        response_model=order_models.SelectResponse,
        error_statuses=(404, 409, 410, 413, 422),
        # A new choice cancels the superseded PaymentIntent at Stripe (shared/orders/selection.py).
        secrets=("stripe_secret_key",),
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
        request_model=delivery_models.GenerateRequest,
        response_model=delivery_models.GenerateResponse,
        error_statuses=(404, 409, 410, 413, 422),
    ),
    Route(
        target="reports_worker",
        method="POST",
        path="/internal/reports/worker",
        module="functions.reports",
        summary="Cloud Tasks target: builds one car's report.",
        tag="internal",
        request_model=delivery_models.WorkerTask,
        response_model=delivery_models.WorkerAck,
        error_statuses=(401, 422, 503),
        public=False,
        memory="1Gi",
        timeout_s=900,
        max_instances=20,
        secrets=("token_encryption_key", "tesla_client_secret"),
    ),
    Route(
        target="operations_reconcile",
        method="POST",
        path="/internal/operations/reconcile",
        module="functions.operations",
        summary="Cloud Scheduler target: finds paid orders that stopped moving and repairs them.",
        tag="internal",
        response_model=operations_models.ReconcileResponse,
        error_statuses=(401, 503),
        public=False,
        memory="1Gi",  # a missing receipt is rendered again (WeasyPrint)
        timeout_s=540,
        max_instances=1,  # one run at a time: runs are idempotent, overlapping ones only waste
    ),
    Route(
        target="tesla_report",
        method="GET",
        path="/tesla/report/{session_id}",
        module="functions.reports",
        summary="Every car of the order with its status, and the built reports (reusable).",
        tag="reports",
        response_model=delivery_models.ReportsResponse,
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
        target="tesla_vehicle_report_pdf",
        method="POST",
        path="/tesla/vehicle-report/pdf",
        module="functions.reports",
        summary="One car's PDF in any report language, rendered from the stored report (never "
        "from report data in the request: nobody can have us print a forged report); each "
        "language is rendered once and served from storage afterwards.",
        tag="reports",
        request_model=delivery_models.VehicleReportPdfRequest,
        error_statuses=(404, 409, 410, 422),
        memory="1Gi",  # WeasyPrint
        timeout_s=120,
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
    # --- Share and verify (issue 16; functions/sharing.py, docs/sharing.md) ---
    # One function per path: the load balancer routes on the path alone, so create (POST
    # .../share) and list (GET .../shares) have different paths.
    Route(
        target="tesla_report_share_create",
        method="POST",
        path="/tesla/report/{session_id}/share",
        module="functions.sharing",
        summary="Create a share link for one car's report: an unguessable token (shown once, "
        "stored hashed), read-only, expiring (default 30 days, at most 180), optional cap on "
        "opens. For the owner (the session id); works for the report's whole life.",
        tag="sharing",
        request_model=sharing_models.CreateShareRequest,
        response_model=sharing_models.ShareCreated,
        success_status=201,
        error_statuses=(404, 409, 413, 422, 429),
    ),
    Route(
        target="tesla_report_shares",
        method="GET",
        path="/tesla/report/{session_id}/shares",
        module="functions.sharing",
        summary="The order's share links with their state and opens (never their tokens).",
        tag="sharing",
        response_model=sharing_models.ShareListResponse,
        error_statuses=(404, 422),
    ),
    Route(
        target="tesla_report_share_revoke",
        method="DELETE",
        path="/tesla/report/{session_id}/shares/{share_id}",
        module="functions.sharing",
        summary="Revoke a share link at once (idempotent).",
        tag="sharing",
        response_model=sharing_models.ShareView,
        error_statuses=(404, 422, 429),
    ),
    Route(
        target="verify_share_page",
        method="GET",
        path="/verify/{token}",
        module="functions.sharing",
        summary="Public page of a share link (HTML, no script, ?lang= or Accept-Language): the "
        "car (model, year, masked VIN), report date, package, battery summary, module outcomes, "
        "order reference, the PDF download and the link's expiry. 410 once expired or revoked.",
        tag="verify",
        error_statuses=(404, 410, 429),
        memory="512Mi",
    ),
    Route(
        target="verify_share_pdf",
        method="GET",
        path="/verify/{token}/pdf",
        module="functions.sharing",
        summary="The shared car's PDF (that car only; counts as an open).",
        tag="verify",
        error_statuses=(404, 410, 429),
        memory="512Mi",
    ),
    Route(
        target="verify_document_page",
        method="GET",
        path="/verify/document/{content_sha256}",
        module="functions.sharing",
        summary="Public page of an issued report by the content digest printed in its PDF (and "
        "in its QR code), with a form to check the PDF file itself. No token needed.",
        tag="verify",
        error_statuses=(404, 429),
        memory="512Mi",
    ),
    Route(
        target="verify_report",
        method="POST",
        path="/verify",
        module="functions.sharing",
        summary='Is this a report we issued? Body: application/json {"sha256": <PDF file or '
        "content digest>}, or the PDF itself (application/pdf, or multipart/form-data field "
        "'file'; at most 10 MiB). One changed byte: not issued. A browser form gets HTML.",
        tag="verify",
        response_model=sharing_models.VerifyResponse,
        error_statuses=(413, 415, 422, 429),
        memory="512Mi",
    ),
    Route(
        target="report_keys",
        method="GET",
        path="/.well-known/cpt-report-keys.json",
        module="functions.sharing",
        summary="The public keys reports are signed with (JWKS: Ed25519, key ids), to verify a "
        "report's signature offline.",
        tag="verify",
        response_model=sharing_models.KeySetResponse,
        error_statuses=(),
        cache_control="public, max-age=3600",
    ),
)

ROUTES_BY_TARGET: dict[str, Route] = {route.target: route for route in ROUTES}


def route_for(target: str) -> Route:
    return ROUTES_BY_TARGET[target]


def endpoint(target: str) -> Callable[[Handler], Callable[[flask.Request], Response]]:
    """``shared.platform.http.endpoint`` bound to ``target``'s row of this table."""
    from shared.platform.http import endpoint as bind

    return bind(route_for(target))
