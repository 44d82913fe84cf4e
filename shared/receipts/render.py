"""An order manifest → a localised one-page A4 receipt (Jinja2 HTML → WeasyPrint PDF).

Every amount comes from the frozen quote record in the manifest (integer cents, checked with
``Quote.from_record`` so a record that does not add up fails here, not in someone's books) and is
formatted for the locale by Babel. The receipt is keyed by the order id only: the session id is
a bearer token and never reaches this module. The layout is built as plain data first; the
template only lays it out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_percent
from jinja2 import Environment

from shared.cars.vehicles import mask_vin
from shared.platform.templating import html_templates
from shared.pricing.quotes import Quote, QuoteRecordError
from shared.product.languages import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, ReportLanguage
from shared.receipts.document import ReceiptDataError
from shared.receipts.seller import Seller
from shared.reports.localisation import locale_for, resolve_language

__all__ = ["render_receipt_html", "render_receipt_pdf"]

_HERE = Path(__file__).resolve().parent
_TEMPLATE_NAME = "receipt.html.j2"
_CATALOGUE_PATH = _HERE / "i18n.json"
# Above these counts the car list switches from a table to a compact list in 2 or 3 columns,
# so a fleet of up to about 96 cars fits on the one page. A larger fleet's list continues on a
# second page; the amounts and VAT are always complete on the first.
_TABLE_MAX_VEHICLES = 12
_TWO_COLUMNS_MAX_VEHICLES = 40
_DISPLAY_NAME_MAX_CHARS = 40
_NOT_AVAILABLE = "–"


def render_receipt_pdf(manifest: Mapping[str, Any], *, seller: Seller, language: str) -> bytes:
    """The receipt as PDF bytes (A4, one page, embedded DejaVu fonts, no network access)."""
    from shared.platform.pdf_render import write_pdf

    receipt = _build_receipt(manifest, seller=seller, language=language)
    return write_pdf(_render_html(receipt), stamped_at=receipt.paid_at)


def render_receipt_html(manifest: Mapping[str, Any], *, seller: Seller, language: str) -> str:
    """The receipt as a self-contained HTML document (what the PDF prints; handy in tests)."""
    return _render_html(_build_receipt(manifest, seller=seller, language=language))


# ------------------------------------------------------------------------------------------------
# Labels and formatting
# ------------------------------------------------------------------------------------------------


@cache
def _catalogues() -> dict[ReportLanguage, dict[str, str]]:
    data = json.loads(_CATALOGUE_PATH.read_text(encoding="utf-8"))
    english = data[DEFAULT_LANGUAGE]
    # English fills any gap key by key, so a missing translation never prints a raw key.
    return {language: {**english, **data.get(language, {})} for language in SUPPORTED_LANGUAGES}


@dataclass(frozen=True, slots=True)
class _Formatter:
    language: ReportLanguage
    locale: str
    currency: str

    def t(self, key: str, **values: str) -> str:
        text = _catalogues()[self.language][key]
        return text.format(**values) if values else text

    def money(self, cents: int) -> str:
        # Decimal from integer cents: exact, never a float.
        return format_currency(Decimal(cents).scaleb(-2), self.currency, locale=self.locale)

    def percent(self, percent: Decimal) -> str:
        return format_percent(percent / 100, locale=self.locale, decimal_quantization=False)

    def moment(self, value: datetime) -> str:
        """The payment time as the locale writes a date and a 24-hour clock time, joined the
        locale's way ("12.5.2026 14.03 UTC", "12.05.2026, 14:03 UTC", "12 May 2026, 14:03 UTC").
        Stated in UTC: the manifest does not know the buyer's time zone."""
        utc = value.astimezone(UTC)
        day = format_date(utc, "medium", locale=self.locale)
        clock = format_time(utc, _clock_pattern(self.locale), locale=self.locale)
        joined = str(Locale.parse(self.locale).datetime_formats["medium"])
        return joined.replace("{1}", day).replace("{0}", f"{clock} UTC")

    def vehicles(self, count: int | str) -> str:
        key = "vehicle_one" if count == 1 else "vehicle_other"
        return self.t(key, count=str(count))


def _clock_pattern(locale: str) -> str:
    """The locale's short time pattern (its separator and leading zero: "H.mm", "HH.mm",
    "H:mm", "HH:mm"), always on a 24-hour clock: a receipt is a bookkeeping record, and a
    12-hour locale's "2:03 PM" gets its 24-hour form ("14:03")."""
    pattern = str(Locale.parse(locale).time_formats["short"].pattern)
    if "h" in pattern or "K" in pattern:
        return "HH:mm"
    return pattern


# ------------------------------------------------------------------------------------------------
# The receipt as plain data handed to the template
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Line:
    description: str
    amount: str
    is_discount: bool = False


@dataclass(frozen=True, slots=True)
class _Total:
    label: str
    amount: str
    is_grand_total: bool = False


@dataclass(frozen=True, slots=True)
class _Vehicle:
    vin: str
    model: str
    year: str
    name: str


@dataclass(frozen=True, slots=True)
class _Receipt:
    language: ReportLanguage
    labels: Mapping[str, str]
    order_id: str
    paid_at: datetime
    paid_at_text: str
    payment_method: str
    payment_reference: str
    seller: Seller
    lines: Sequence[_Line]
    totals: Sequence[_Total]
    vehicles: Sequence[_Vehicle]

    @property
    def vehicle_layout(self) -> str:
        count = len(self.vehicles)
        if count <= _TABLE_MAX_VEHICLES:
            return "table"
        return "columns-2" if count <= _TWO_COLUMNS_MAX_VEHICLES else "columns-3"


def _build_receipt(manifest: Mapping[str, Any], *, seller: Seller, language: str) -> _Receipt:
    language = resolve_language(language)
    order_id = _required_text(manifest, "order_id")
    quote = _quote_of(manifest)
    paid_at = _paid_at(manifest)
    fmt = _Formatter(
        language=language,
        # English reads as British English (12 May 2026, 24-hour clock): the seller is in the EU.
        locale=locale_for(language, "km"),
        currency=quote.currency,
    )

    package_name = _catalogues()[language].get(f"package_{quote.package.value}")
    lines = [
        _Line(
            fmt.t(
                "line_item",
                package=package_name or quote.package_title,
                vehicles=fmt.vehicles(quote.vehicle_count),
                band=_band_label(quote, fmt),
            ),
            fmt.money(quote.tier_price_cents),
        )
    ]
    if quote.voucher is not None:
        terms = (
            f" ({fmt.percent(quote.voucher.percent_off)})"
            if quote.voucher.percent_off is not None
            else ""
        )
        lines.append(
            _Line(
                fmt.t("voucher", code=quote.voucher.code) + terms,
                fmt.money(-quote.voucher.discount_cents),
                is_discount=True,
            )
        )
    totals = [
        _Total(fmt.t("net_total"), fmt.money(quote.net_cents)),
        _Total(
            fmt.t("vat_line", rate=fmt.percent(quote.vat_rate_percent)), fmt.money(quote.vat_cents)
        ),
        _Total(fmt.t("gross_total"), fmt.money(quote.total_cents), is_grand_total=True),
    ]
    method = manifest.get("payment_method")
    method_key = f"method_{method}"
    payment_method = (
        fmt.t(method_key)
        if method_key in _catalogues()[language]
        else str(method or _NOT_AVAILABLE)
    )
    return _Receipt(
        language=language,
        labels=_catalogues()[language],
        order_id=order_id,
        paid_at=paid_at,
        paid_at_text=fmt.moment(paid_at),
        payment_method=payment_method,
        payment_reference=str(manifest.get("payment_id") or _NOT_AVAILABLE),
        seller=seller,
        lines=lines,
        totals=totals,
        vehicles=[_vehicle(raw) for raw in manifest.get("vehicles") or []],
    )


def _band_label(quote: Quote, fmt: _Formatter) -> str:
    """The tier band in the receipt's language ("3–5 vehicles"), not the English record label."""
    band = quote.band
    if band.max_vehicles is None:
        return fmt.vehicles(f"{band.min_vehicles}+")
    if band.min_vehicles == band.max_vehicles:
        return fmt.vehicles(band.min_vehicles)
    return fmt.vehicles(f"{band.min_vehicles}–{band.max_vehicles}")


def _vehicle(raw: Any) -> _Vehicle:
    if not isinstance(raw, Mapping):
        raise ReceiptDataError("manifest vehicles must be objects")
    vin = str(raw.get("vin") or "")
    name = str(raw.get("display_name") or "")
    if len(name) > _DISPLAY_NAME_MAX_CHARS:
        name = name[: _DISPLAY_NAME_MAX_CHARS - 1] + "…"
    year = raw.get("year")
    return _Vehicle(
        # The manifest holds masked VINs already; masking again is idempotent and guarantees
        # that a full VIN never reaches a document that leaves the system.
        vin=mask_vin(vin) if vin else _NOT_AVAILABLE,
        model=str(raw.get("model") or _NOT_AVAILABLE),
        year=str(year) if year else _NOT_AVAILABLE,
        name=name or _NOT_AVAILABLE,
    )


def _quote_of(manifest: Mapping[str, Any]) -> Quote:
    record = manifest.get("quote")
    if not isinstance(record, Mapping):
        raise ReceiptDataError("manifest has no quote record")
    try:
        return Quote.from_record(record)
    except QuoteRecordError as error:
        raise ReceiptDataError(f"manifest quote cannot be printed: {error}") from error


def _paid_at(manifest: Mapping[str, Any]) -> datetime:
    text = _required_text(manifest, "created_at")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise ReceiptDataError(f"manifest created_at is not an ISO date: {text!r}") from error
    # Firestore hands back aware UTC times; a naive one is read as UTC rather than server time.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _required_text(manifest: Mapping[str, Any], key: str) -> str:
    value = manifest.get(key)
    if not isinstance(value, str) or not value:
        raise ReceiptDataError(f"manifest field {key!r} is missing")
    return value


# ------------------------------------------------------------------------------------------------
# HTML
# ------------------------------------------------------------------------------------------------


@cache
def _environment() -> Environment:
    return html_templates(_HERE / "templates")


def _render_html(receipt: _Receipt) -> str:
    return (
        _environment()
        .get_template(_TEMPLATE_NAME)
        .render(
            receipt=receipt,
            t=receipt.labels,
            # Fixed metadata dates (the payment time) keep the PDF bytes stable.
            created=receipt.paid_at.astimezone(UTC).isoformat(timespec="seconds"),
        )
    )
