"""Request and response models of report delivery: the worker task, generate, the report list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, PositiveInt

from shared.cars.ids import VehicleId, VehicleIdInput
from shared.platform.api_models import RequestModel, ResponseModel, SessionId
from shared.product.languages import ReportLanguage


class WorkerTask(RequestModel):
    """The body of one report task (Cloud Tasks → worker). No session id: it is a bearer."""

    session_key: str = Field(pattern=r"^[0-9a-f]{64}$")
    vehicle_id: PositiveInt
    generation: int = Field(ge=0)


class WorkerAck(ResponseModel):
    outcome: str


class GenerateRequest(RequestModel):
    session_id: SessionId


class GenerateResponse(ResponseModel):
    status: str
    vehicle_count: int


class VehicleReportPdfRequest(RequestModel):
    """One car's PDF in a language, rendered from the report stored for the order.

    There is deliberately no way to send report data: a PDF carrying our name is only ever
    rendered from what we fetched from Tesla, so nobody can have us print a forged report.
    """

    session_id: SessionId
    vehicle_id: VehicleIdInput = Field(
        description="A car of the order: its id in the report list (a string of digits; an "
        "integer is accepted too)."
    )
    language: ReportLanguage = Field(description="Language of the PDF; each is rendered once.")


class CarReportStatus(ResponseModel):
    id: VehicleId
    vin: str = Field(description="Masked VIN.")
    display_name: str | None
    model: str | None
    year: int | None
    status: str = Field(
        description="pending, running, complete, partial, failed or waiting_reconnect"
    )
    reason: str | None = Field(description="Why a report is partial or failed, per module.")
    pdf_url: str | None = Field(
        description="Absolute URL of the car's PDF (GET, on the API's public origin), usable "
        "as it is once built; null before."
    )
    next_attempt_at: datetime | None = Field(
        default=None,
        description="When a car that could not be woken is tried again (its partial report "
        "is replaced by a complete one, at no charge); null when no retry is planned.",
    )


class PaymentFailure(ResponseModel):
    """Why the last payment attempt failed, in words a customer may read."""

    code: str = Field(
        description="card_declined, insufficient_funds, expired_card, incorrect_cvc, "
        "processing_error, canceled (start the payment again), instrument_declined (PayPal: "
        "approve again with another funding source), capture_denied (PayPal: pay again), …; "
        "fraud-related declines read card_declined."
    )
    message: str = Field(description="English text safe to show the buyer.")
    at: datetime


class PaymentView(ResponseModel):
    """The order's payment as the WUI may show it (no provider secrets, no session id)."""

    state: str = Field(description="creating, pending (waiting for the buyer) or paid")
    provider: str
    method: str
    amount_cents: int
    currency: str
    last_failure: PaymentFailure | None = Field(
        default=None,
        description="Set after a declined, cancelled or denied attempt while the order is "
        "unpaid; the buyer may pay again (create-intent answers a new intent if needed).",
    )


class ReportsResponse(ResponseModel):
    status: str
    reports: dict[str, dict[str, Any]] = Field(
        description="Built reports by vehicle id (the typed report model, as JSON)."
    )
    vehicles: list[CarReportStatus]
    payment: PaymentView | None = Field(
        default=None,
        description="The order's payment once create-intent ran. Before the order is paid, "
        "this endpoint answers with the payment only (no reports, no cars) so the WUI can show "
        "why a payment failed; without a payment it is 409.",
    )
