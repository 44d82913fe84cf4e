"""Reading an order's reports: the JSON for the WUI and a PDF per car.

Reusable (never deleted on read, §3.8) and readable from payment on, so the WUI can show
progress: each car with its status and, once built, its report. PDFs are streamed through the
API after checking the car belongs to the session — the bucket is never public, and no signing
key is needed to hand one out.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from shared.delivery import report_store
from shared.delivery.models import CarReportStatus, PaymentFailure, PaymentView, ReportsResponse
from shared.delivery.report_store import CarStatus
from shared.orders import order_state, sessions
from shared.orders.order_state import SessionStatus
from shared.orders.records import PaymentState
from shared.platform import errors
from shared.platform.settings import Settings


def public_api_base(settings: Settings, api_prefix: str) -> str:
    """The API's public root as the WUI reaches it, e.g. ``https://api.example.com/api/v1``.

    The WUI runs on its own origin (``wui_url``) and calls the API's domain, the one Tesla
    redirects to (``tesla_redirect_uri``, checked per environment): a PDF link is only usable
    as it is with that origin in it. The request's own Host can't be used: behind the gateway
    it is the function's internal host.
    """
    parts = urlsplit(settings.tesla_redirect_uri)
    return f"{parts.scheme}://{parts.netloc}{api_prefix}"


def reports_of(settings: Settings, session_id: str, *, api_prefix: str) -> ReportsResponse:
    session = sessions.load_session(settings, session_id)
    base = public_api_base(settings, api_prefix)
    if session.status == SessionStatus.VEHICLES_SELECTED and session.payment is not None:
        # Not paid yet: the payment alone, so the WUI can say why an attempt failed.
        return ReportsResponse(
            status=session.status.value, reports={}, vehicles=[], payment=payment_view(session)
        )
    order_state.apply("read_reports", session.status)
    cars = report_store.car_documents(settings, session.session_key)
    reports: dict[str, dict[str, Any]] = {}
    views = []
    for vehicle in session.selected_vehicles:
        car = cars.get(vehicle.id)
        if car is not None and car.json_path:
            report = report_store.load_report_json(settings, car.json_path)
            if report is not None:
                reports[str(vehicle.id)] = report
        views.append(
            CarReportStatus(
                **vehicle.shown(),
                status=(car.status if car else CarStatus.PENDING).value,
                reason=car.reason if car else None,
                pdf_url=f"{base}/tesla/report/{session_id}/pdf/{vehicle.id}"
                if car is not None and car.pdf_path
                else None,
                next_attempt_at=car.next_attempt_at if car else None,
            )
        )
    return ReportsResponse(
        status=session.status.value,
        reports=reports,
        vehicles=views,
        payment=payment_view(session),
    )


def payment_view(session: sessions.OrderSession) -> PaymentView | None:
    """The payment part of the report listing; a failure only while the order is unpaid."""
    from shared.gateways.failures import for_customer

    payment = session.payment
    if payment is None:
        return None
    failure = None
    if payment.state != PaymentState.PAID and payment.last_failure_at is not None:
        shown = for_customer(payment.last_failure_reason)
        failure = PaymentFailure(code=shown.code, message=shown.message, at=payment.last_failure_at)
    return PaymentView(
        state=payment.state.value,
        provider=payment.provider,
        method=payment.method,
        amount_cents=payment.amount_cents,
        currency=payment.currency,
        last_failure=failure,
    )


def pdf_of(settings: Settings, session_id: str, vehicle_id: str) -> tuple[bytes, str]:
    """The PDF of one car of the session and a download file name."""
    session = sessions.load_session(settings, session_id)
    order_state.apply("read_reports", session.status)
    if not vehicle_id.isdigit() or int(vehicle_id) not in session.selected_vehicle_ids:
        raise errors.NotFound("No such car in this order.")
    car = report_store.car_documents(settings, session.session_key).get(int(vehicle_id))
    pdf = report_store.load_pdf(settings, car.pdf_path) if car and car.pdf_path else None
    if pdf is None:
        raise errors.NotFound("This car's PDF is not ready yet.")
    vehicle = session.vehicle_by_id(int(vehicle_id))
    suffix = vehicle.vin[-8:-4] if vehicle else vehicle_id
    return pdf, f"car-pulse-report-{session.order_id}-{suffix}.pdf"


def receipt_of(settings: Settings, session_id: str) -> tuple[bytes, str]:
    """The order's receipt PDF (with its VAT breakdown) and a download file name."""
    from shared.orders.manifests import receipt_path

    session = sessions.load_session(settings, session_id)
    order_state.apply("read_reports", session.status)
    pdf = report_store.load_pdf(settings, receipt_path(session.order_id))
    if pdf is None:
        raise errors.NotFound("The receipt is not ready yet.")
    return pdf, f"car-pulse-receipt-{session.order_id}.pdf"
