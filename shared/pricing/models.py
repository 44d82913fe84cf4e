"""API models of the pricing endpoints (roadmap §3.5, §7): quote, voucher preview, catalog.

Money is integer cents throughout. The VAT rate is a Decimal inside and a JSON number outside.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer, field_validator

from shared.platform.api_models import RequestModel, ResponseModel, SessionId
from shared.pricing.vouchers import MAX_CODE_LENGTH, VoucherType
from shared.product.catalog import Package, TeslaModule
from shared.product.languages import ReportLanguage

CURRENCY_PATTERN = r"^[A-Z]{3}$"


def _rate_as_json_number(rate: Decimal) -> int | float:
    # 25.5 is exact as a double and reads as 25.5 in JSON; the arithmetic never sees this value.
    return int(rate) if rate == rate.to_integral_value() else float(rate)


VatRatePercent = Annotated[
    Decimal,
    Field(ge=0, lt=100, description="VAT rate in percent, e.g. 25.5.", examples=[25.5]),
    PlainSerializer(_rate_as_json_number, return_type=float, when_used="json"),
]
Cents = Annotated[int, Field(ge=0, description="Amount in cents (minor units), VAT included.")]
Currency = Annotated[str, Field(pattern=CURRENCY_PATTERN, examples=["EUR"])]


# ── Requests ────────────────────────────────────────────────────────────────────────────────────


class QuoteRequest(RequestModel):
    session_id: SessionId
    voucher_code: str | None = Field(
        default=None,
        max_length=MAX_CODE_LENGTH,
        description="Optional voucher; trimmed and case-insensitive. Empty means none.",
        examples=["LAUNCH10"],
    )

    language: ReportLanguage | None = Field(
        default=None,
        description="Language of the voucher's label in the answer (English when not given or "
        "when the voucher has no label in it).",
        examples=["fi"],
    )

    @field_validator("voucher_code")
    @classmethod
    def _empty_code_means_none(cls, value: str | None) -> str | None:
        # An empty voucher box in the WUI is "no voucher", not an invalid code.
        return value or None


class VoucherValidateRequest(RequestModel):
    code: str = Field(
        min_length=1,
        max_length=MAX_CODE_LENGTH,
        description="The code the buyer typed; trimmed and case-insensitive.",
        examples=["LOCAL-DEMO-100"],
    )
    language: ReportLanguage | None = Field(
        default=None, description="Language of the label (English when not given).", examples=["fi"]
    )


# ── Responses ───────────────────────────────────────────────────────────────────────────────────


class QuoteVoucher(ResponseModel):
    code: str = Field(description="The canonical (upper-case) code.")
    type: VoucherType
    label: str = Field(examples=["Launch discount (10% off)"])
    discount_cents: Cents = Field(description="Taken off the tier price; never more than it.")


class QuoteResponse(ResponseModel):
    """Roadmap §3.5, field for field. ``total_cents`` is what the buyer pays, VAT included."""

    package: Package
    vehicle_count: int = Field(ge=1)
    tier_label: str = Field(examples=["2 vehicles"])
    tier_price_cents: Cents
    voucher: QuoteVoucher | None = None
    total_cents: Cents
    vat_cents: Cents = Field(description="The VAT contained in total_cents.")
    currency: Currency


class VoucherValidateResponse(ResponseModel):
    """A preview for the UI. An invalid code has ``valid=false`` and every other field null."""

    valid: bool
    code: str | None = None
    type: VoucherType | None = None
    label: str | None = None
    discount_description: str | None = Field(default=None, examples=["10% off"])


class CatalogTier(ResponseModel):
    label: str = Field(examples=["3–5 vehicles"])
    min_vehicles: int = Field(ge=1)
    max_vehicles: int | None = Field(
        ge=1, description="Null for the open-ended last band (it prices any larger fleet)."
    )
    price_cents: Cents = Field(description="Total for all vehicles of the band, VAT included.")


class CatalogPackage(ResponseModel):
    name: Package
    title: str = Field(examples=["Pro Report"])
    features: tuple[str, ...]
    modules: tuple[TeslaModule, ...] = Field(
        description="Tesla Fleet API data sources fetched per vehicle."
    )
    tiers: tuple[CatalogTier, ...]


class CatalogResponse(ResponseModel):
    currency: Currency
    vat_rate_percent: VatRatePercent
    packages: tuple[CatalogPackage, ...]
