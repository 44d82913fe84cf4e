"""Request and response models of the public API: the WUI's contract, rendered into OpenAPI.

Request models forbid unknown fields, so a misspelt field is a 422 that names it instead of a
silently ignored value.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class RequestModel(BaseModel):
    """Base of every request body and query: unknown fields are errors, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(frozen=True)


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
