"""POST /reports/generate, the report worker (Cloud Tasks target), GET /tesla/report/{id},
GET /tesla/report/{id}/pdf/{vehicle_id} and GET /tesla/report/{id}/receipt."""

from __future__ import annotations

import hmac

import functions_framework
from werkzeug.wrappers import Response

from functions.routes import endpoint
from shared.delivery import generation
from shared.delivery import reading as report_delivery
from shared.delivery.models import GenerateResponse, ReportsResponse, WorkerAck
from shared.delivery.tasks import WORKER_SECRET_HEADER
from shared.orders import sessions
from shared.platform import errors
from shared.platform.http import Call


@functions_framework.http
@endpoint("reports_generate")
def reports_generate(call: Call) -> GenerateResponse:
    result = generation.request_generation(call.settings, call.body.session_id)
    return GenerateResponse(**result)


@functions_framework.http
@endpoint("reports_worker")
def reports_worker(call: Call) -> WorkerAck:
    if call.settings.environment == "local":
        # In the cloud only Cloud Tasks' OIDC token gets through IAM; locally a shared secret.
        supplied = call.request.headers.get(WORKER_SECRET_HEADER, "")
        expected = call.settings.worker_shared_secret.get_secret_value()
        if not hmac.compare_digest(supplied, expected):
            raise errors.Unauthorized("Only Cloud Tasks may call the worker.")
    from shared.delivery.worker import build_car_report

    outcome = build_car_report(call.settings, call.body.session_key, call.body.vehicle_id)
    return WorkerAck(outcome=outcome)


@functions_framework.http
@endpoint("tesla_report")
def tesla_report(call: Call) -> ReportsResponse:
    session_id = sessions.require_well_formed(call.path_params["session_id"])
    return report_delivery.reports_of(
        call.settings, session_id, api_prefix=call.settings.api_prefix
    )


@functions_framework.http
@endpoint("tesla_report_pdf")
def tesla_report_pdf(call: Call) -> Response:
    session_id = sessions.require_well_formed(call.path_params["session_id"])
    pdf, filename = report_delivery.pdf_of(
        call.settings, session_id, call.path_params["vehicle_id"]
    )
    return _pdf_response(pdf, filename)


@functions_framework.http
@endpoint("tesla_report_receipt")
def tesla_report_receipt(call: Call) -> Response:
    session_id = sessions.require_well_formed(call.path_params["session_id"])
    pdf, filename = report_delivery.receipt_of(call.settings, session_id)
    return _pdf_response(pdf, filename)


def _pdf_response(pdf: bytes, filename: str) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
