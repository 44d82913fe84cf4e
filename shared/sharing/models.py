"""The share and verify API's request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ShareState = Literal["active", "expired", "revoked", "used_up"]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Response(BaseModel):
    model_config = ConfigDict(frozen=True)


class CreateShareRequest(_Request):
    vehicle_id: str = Field(
        description="The car (an id from the order's vehicles, as a string or a number).",
        max_length=20,
    )
    expires_in_days: int | None = Field(
        default=None, ge=1, description="Days the link works (default 30, at most 180)."
    )
    max_opens: int | None = Field(
        default=None, ge=1, description="Optional cap on opens (page views and downloads)."
    )

    @field_validator("vehicle_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class ShareView(_Response):
    share_id: str = Field(description="Names the link to the owner (to revoke it); not a secret.")
    vehicle_id: str
    vin: str = Field(description="Masked VIN of the shared car.")
    created_at: datetime
    expires_at: datetime = Field(description="When the link stops working.")
    max_opens: int | None
    opens: int = Field(description="Page views and PDF downloads through the link so far.")
    state: ShareState


class ShareCreated(ShareView):
    url: str = Field(
        description="The link to give the buyer. Shown only now: only its hash is stored."
    )
    pdf_url: str


class ShareListResponse(_Response):
    shares: list[ShareView]


class VerifyDigestRequest(_Request):
    sha256: str = Field(
        pattern=r"^[0-9a-fA-F]{64}$",
        description="SHA-256 (hex) of a PDF file, or a report's content digest printed in it.",
    )


class VerifiedCar(_Response):
    model: str | None
    year: int | None
    vin: str = Field(description="Masked VIN.")


class VerifyResponse(_Response):
    issued: bool = Field(description="True: a report Car Pulse Tracker issued.")
    match: Literal["pdf_file", "content_digest"] | None = Field(
        description="pdf_file: the exact bytes of a PDF we issued; content_digest: the digest "
        "printed in a report (its signature checked)."
    )
    car: VerifiedCar | None = None
    report_date: datetime | None = None
    package: str | None = None
    report_status: str | None = None
    content_sha256: str | None = None
    key_id: str | None = None
    signature_valid: bool | None = None
    document_url: str | None = Field(default=None, description="The report's public page.")


class PublicKeyJwk(_Response):
    kty: str
    crv: str
    alg: str
    use: str
    kid: str
    x: str


class KeySetResponse(_Response):
    keys: list[PublicKeyJwk]
