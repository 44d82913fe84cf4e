"""A car's PDF in any of the report languages, rendered from the report we stored (roadmap:
``POST /tesla/vehicle-report/pdf``).

Only the stored JSON report is ever rendered, never report data from the request: a PDF with
our name on it must say what Tesla told us, so a client can't have us print figures it made
up. Each language is rendered once per report and stored next to it (create-only: two racing
requests render twice but store one); later requests are served from storage. The order's own
language is the PDF the worker already stored. At most nine renders per car, so the endpoint
can't be used to keep instances busy.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from shared.delivery import issued, report_store
from shared.delivery.report_store import CarReport
from shared.orders import order_state, sessions
from shared.platform import errors
from shared.platform.settings import Settings
from shared.product.catalog import Package
from shared.product.languages import ReportLanguage

if TYPE_CHECKING:
    from shared.reports.proof import PrintedProof

logger = logging.getLogger(__name__)


def language_pdf_path(json_path: str, language: str) -> str:
    """Where a report's PDF in ``language`` is stored: beside its JSON, one per language."""
    stem = json_path.removesuffix(".json")
    return f"{stem}.{language}.pdf"


def pdf_in_language(
    settings: Settings, session_id: str, vehicle_id: int, language: ReportLanguage
) -> tuple[bytes, str]:
    """One car's PDF in ``language`` and a download file name.

    404 for a car outside the order (or whose report isn't built yet), 409 before payment,
    410 once the order has expired.
    """
    session = sessions.load_session(settings, session_id)
    order_state.apply("read_reports", session.status)
    if vehicle_id not in session.selected_vehicle_ids:
        raise errors.NotFound("No such car in this order.")
    car = report_store.car_documents(settings, session.session_key).get(vehicle_id)
    if car is None or not car.json_path:
        raise errors.NotFound("This car's report is not ready yet.")
    vehicle = session.vehicle_by_id(vehicle_id)
    suffix = vehicle.vin[-8:-4] if vehicle else str(vehicle_id)
    filename = f"car-pulse-report-{session.order_id}-{suffix}-{language}.pdf"
    return _stored_or_rendered(settings, session, car, language), filename


def _stored_or_rendered(
    settings: Settings, session: sessions.OrderSession, car: CarReport, language: ReportLanguage
) -> bytes:
    assert car.json_path is not None
    fields = {"order_id": session.order_id, "vehicle_id": car.vehicle_id, "language": language}
    for path in _stored_paths(session, car, language):
        pdf = report_store.load_pdf(settings, path)
        if pdf is not None:
            logger.info("report pdf served from storage", extra={"fields": fields})
            return pdf
    stored = report_store.load_report_json(settings, car.json_path)
    if stored is None:
        raise errors.NotFound("This car's report is not ready yet.")
    started = time.perf_counter()
    proof = issued.prepare_proof(settings, stored)  # issue 16: the same signed content digest
    pdf = render_stored_report(stored, session, language, proof)
    created = report_store.write_blob_once(
        settings, language_pdf_path(car.json_path, language), pdf, "application/pdf"
    )
    if proof is not None:
        issued.register(
            settings,
            owner_key=session.session_key,
            order_id=session.order_id,
            vehicle_id=car.vehicle_id,
            report=stored,
            proof=proof,
            pdf=pdf,
            json_path=car.json_path,
            pdf_path=None,
        )
    logger.info(
        "report pdf rendered in another language",
        extra={
            "fields": {
                **fields,
                "render_ms": round((time.perf_counter() - started) * 1000),
                "stored": created,  # False: a concurrent request stored it first
            }
        },
    )
    return pdf


def _stored_paths(
    session: sessions.OrderSession, car: CarReport, language: ReportLanguage
) -> list[str]:
    assert car.json_path is not None
    paths = [language_pdf_path(car.json_path, language)]
    from shared.reports.localisation import resolve_language

    if car.pdf_path and language == resolve_language(session.language):
        paths.insert(0, car.pdf_path)  # the worker's PDF is already in the order's language
    return paths


def render_stored_report(
    stored: dict,
    session: sessions.OrderSession,
    language: ReportLanguage,
    proof: PrintedProof | None = None,
) -> bytes:
    """Pure but for WeasyPrint: the stored report JSON as a PDF in ``language``."""
    from shared.reports.model import VehicleReport
    from shared.reports.pdf import OrderSummary, render_pdf

    report = VehicleReport.model_validate(stored)
    order = OrderSummary(
        order_id=session.order_id,
        package=session.selected_package or Package.BASIC,
        ordered_at=session.paid_at or session.created_at,
        vehicle_count=max(1, len(session.selected_vehicle_ids)),
    )
    return render_pdf(report, order=order, language=language, proof=proof)
