"""Request and response models of the public API: the WUI's contract, rendered into OpenAPI.

Request models forbid unknown fields, so a misspelt field is a 422 that names it instead of a
silently ignored value.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator

from shared.api.base import RequestModel, ResponseModel, SessionId
from shared.pricing.catalog import Package


class ErrorDetail(BaseModel):
    """The body of every 4xx/5xx answer; extra keys carry details (``field``, ``status``...)."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(description="Stable machine-readable error code, e.g. `validation_failed`.")
    message: str = Field(description="A sentence a person can read.")
    request_id: str | None = Field(
        default=None, description="Quote this to support; it finds the request's logs."
    )


class ErrorResponse(BaseModel):
    error: ErrorDetail


class HealthResponse(ResponseModel):
    status: Literal["ok"] = "ok"
    environment: str
    version: str
    checks: dict[str, Any] = Field(default_factory=dict)


Brand = Literal["tesla"]


class OAuthInitiateRequest(RequestModel):
    brand: Brand
    session_id: SessionId | None = Field(
        default=None,
        description="Reconnect this existing order (its token expired) instead of starting one.",
    )


class OAuthInitiateResponse(ResponseModel):
    # camelCase as in the v1/v2 contract the WUI already speaks (roadmap §3.1).
    authUrl: str = Field(description="Send the browser here: the brand's consent page.")


class OAuthCallbackQuery(BaseModel):
    """What the brand appends to the redirect URI. Extra parameters (locale, issuer) are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    code: str | None = None
    state: str | None = None
    error: str | None = None
    error_description: str | None = None


class VehicleView(ResponseModel):
    id: int
    vin: str = Field(description="The VIN with its last four characters masked.")
    display_name: str | None
    model: str | None = Field(description="From the car type when known, else VIN position 4.")
    year: int | None = Field(description="Model year, from VIN position 10.")
    state: Literal["online", "asleep", "offline", "unknown"]


class VehiclesResponse(ResponseModel):
    vehicles: list[VehicleView]


class SelectRequest(RequestModel):
    vehicle_ids: list[PositiveInt] = Field(min_length=1, max_length=100)
    package: Package

    @field_validator("vehicle_ids")
    @classmethod
    def _no_duplicates(cls, ids: list[int]) -> list[int]:
        if len(set(ids)) != len(ids):
            raise ValueError("lists a vehicle more than once")
        return ids


class SelectResponse(ResponseModel):
    status: str
    vehicle_count: int
    package: Package


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


class CarReportStatus(ResponseModel):
    id: int
    vin: str = Field(description="Masked VIN.")
    display_name: str | None
    model: str | None
    year: int | None
    status: str = Field(
        description="pending, running, complete, partial, failed or waiting_reconnect"
    )
    reason: str | None = Field(description="Why a report is partial or failed, per module.")
    pdf_url: str | None = Field(description="Path of the PDF download, once built.")


class ReportsResponse(ResponseModel):
    status: str
    reports: dict[str, dict[str, Any]] = Field(
        description="Built reports by vehicle id (the typed report model, as JSON)."
    )
    vehicles: list[CarReportStatus]
