"""Base classes, shared field types and the error/health shapes of every API model.

Request models forbid unknown fields, so a misspelt field is a 422 that names it instead of a
silently ignored value. Nothing here imports a domain package: every domain's models build on it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class RequestModel(BaseModel):
    """Base of every request body and query: unknown fields are errors, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(frozen=True)


SessionId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9_-]{43}$"),
    Field(
        description="The order session id from the OAuth callback (a bearer token: keep it secret)."
    ),
]


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
