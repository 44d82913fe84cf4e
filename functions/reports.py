"""POST /reports/generate, the report worker (Cloud Tasks target), GET /tesla/report/{id},
GET /tesla/report/{id}/pdf/{vehicle_id}, POST /tesla/vehicle-report/pdf (a car's PDF in another
language) and GET /tesla/report/{id}/receipt."""

from __future__ import annotations

import functions_framework
from werkzeug.wrappers import Response

from functions.routes import endpoint
from shared.delivery import generation
from shared.delivery import reading as report_delivery
from shared.delivery.models import GenerateResponse, ReportsResponse, WorkerAck
from shared.orders import sessions
from shared.platform import oidc
from shared.platform.http import Call


@functions_framework.http
@endpoint("reports_generate")
def reports_generate(call: Call) -> GenerateResponse:
    result = generation.request_generation(call.settings, call.body.session_id)
    return GenerateResponse(**result)


@functions_framework.http
@endpoint("reports_worker")
def reports_worker(call: Call) -> WorkerAck:
    # Ingress and IAM already keep others out in the cloud; the token is checked here too, in
    # every environment (locally it is the only check), before anything is read or built.
    oidc.verify_bearer(
        call.request.headers.get("Authorization"),
        certs_url=call.settings.tasks_oidc_certs_url,
        audience=call.settings.worker_url,
        service_account=call.settings.tasks_invoker_service_account,
    )
    from shared.delivery.worker import build_car_report

    outcome = build_car_report(
        call.settings, call.body.session_key, call.body.vehicle_id, call.body.generation
    )
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
@endpoint("tesla_vehicle_report_pdf")
def tesla_vehicle_report_pdf(call: Call) -> Response:
    from shared.delivery.rerender import pdf_in_language

    body = call.body
    pdf, filename = pdf_in_language(call.settings, body.session_id, body.vehicle_id, body.language)
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
