"""Quote: package + tier price + voucher → total and the VAT it contains.

The engine of roadmap §7: look up the tier, take the voucher off, extract VAT once from the final
total. A ``Quote`` is a frozen value; ``to_record()`` snapshots everything the receipt needs, so
an order stays re-renderable after prices, labels or vouchers change (as Saleor, Medusa and
Oscar copy names and amounts onto their orders rather than pointing at the live catalog).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.pricing.models import QuoteResponse, QuoteVoucher
from shared.pricing.money import require_cents, require_currency
from shared.pricing.tiers import DEFAULT_PRICE_BOOK, PriceBook, TierBand
from shared.pricing.vat import require_vat_rate, vat_included_cents
from shared.pricing.vouchers import Voucher, VoucherType
from shared.product.catalog import Package, parse_package, product

# Bump when the record's shape changes, so old orders can still be read.
QUOTE_RECORD_VERSION = 1


class QuoteRecordError(ValueError):
    """A stored quote record that is incomplete or does not add up."""


@dataclass(frozen=True, slots=True)
class AppliedVoucher:
    """The voucher as it was when quoted: its terms and the discount it gave."""

    code: str
    type: VoucherType
    label: str
    percent_off: Decimal | None
    amount_off_cents: int | None
    discount_cents: int
    version: int = 0  # of the voucher in the store when quoted
    # Every language's label, for the answer only: the record keeps ``label`` (English), so the
    # language a quote was asked in never changes the quote the payment charges.
    labels: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def label_in(self, language: str | None) -> str:
        """The label in ``language``; else the English one (``label``: else the code)."""
        return dict(self.labels).get(language or "", self.label)


@dataclass(frozen=True, slots=True)
class Quote:
    package: Package
    package_title: str
    vehicle_count: int
    band: TierBand
    tier_price_cents: int
    voucher: AppliedVoucher | None
    total_cents: int  # what the buyer pays, VAT included
    vat_cents: int  # the VAT contained in total_cents
    vat_rate_percent: Decimal
    currency: str
    price_book_version: int = 0  # the price book the tier price came from

    @property
    def tier_label(self) -> str:
        return self.band.label

    @property
    def discount_cents(self) -> int:
        return 0 if self.voucher is None else self.voucher.discount_cents

    @property
    def net_cents(self) -> int:
        return self.total_cents - self.vat_cents

    @property
    def is_free(self) -> bool:
        """A zero total skips the payment providers (Stripe refuses tiny amounts)."""
        return self.total_cents == 0

    def to_response(self, language: str | None = None) -> QuoteResponse:
        """The API answer; the voucher's label in ``language`` (else English, else the code)."""
        voucher = None
        if self.voucher is not None:
            voucher = QuoteVoucher(
                code=self.voucher.code,
                type=self.voucher.type,
                label=self.voucher.label_in(language),
                discount_cents=self.voucher.discount_cents,
            )
        return QuoteResponse(
            package=self.package,
            vehicle_count=self.vehicle_count,
            tier_label=self.tier_label,
            tier_price_cents=self.tier_price_cents,
            voucher=voucher,
            total_cents=self.total_cents,
            vat_cents=self.vat_cents,
            currency=self.currency,
        )

    def to_record(self) -> dict[str, Any]:
        """A plain dict of str/int/None (and one nested dict) for the order record.

        The VAT rate and a percentage are strings ("25.5"), so no float ever holds them.
        """
        voucher: dict[str, Any] | None = None
        if self.voucher is not None:
            voucher = {
                "code": self.voucher.code,
                "type": self.voucher.type.value,
                "label": self.voucher.label,
                "percent_off": _decimal_text(self.voucher.percent_off),
                "amount_off_cents": self.voucher.amount_off_cents,
                "discount_cents": self.voucher.discount_cents,
                "version": self.voucher.version,
            }
        return {
            "record_version": QUOTE_RECORD_VERSION,
            "package": self.package.value,
            "package_title": self.package_title,
            "vehicle_count": self.vehicle_count,
            "tier_band": self.band.key,
            "tier_label": self.tier_label,
            "tier_min_vehicles": self.band.min_vehicles,
            "tier_max_vehicles": self.band.max_vehicles,
            "tier_price_cents": self.tier_price_cents,
            "voucher": voucher,
            "discount_cents": self.discount_cents,
            "total_cents": self.total_cents,
            "vat_cents": self.vat_cents,
            "net_cents": self.net_cents,
            "vat_rate_percent": _decimal_text(self.vat_rate_percent),
            "currency": self.currency,
            "price_book_version": self.price_book_version,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Quote:
        """Rebuild a quote from ``to_record()`` output, as it was then (prices are not re-read).

        Checks that the amounts add up, so a hand-edited or truncated record fails here rather
        than on a receipt.
        """
        try:
            if record["record_version"] != QUOTE_RECORD_VERSION:
                raise QuoteRecordError(
                    f"unsupported quote record_version {record['record_version']!r}"
                )
            raw_voucher = record["voucher"]
            voucher = None
            if raw_voucher is not None:
                voucher = AppliedVoucher(
                    code=str(raw_voucher["code"]),
                    type=VoucherType(raw_voucher["type"]),
                    label=str(raw_voucher["label"]),
                    percent_off=_decimal_or_none(raw_voucher["percent_off"]),
                    amount_off_cents=_cents_or_none(raw_voucher["amount_off_cents"]),
                    discount_cents=require_cents(raw_voucher["discount_cents"], "discount_cents"),
                    version=int(raw_voucher.get("version") or 0),
                )
            quote = cls(
                package=parse_package(record["package"]),
                package_title=str(record["package_title"]),
                vehicle_count=record["vehicle_count"],
                band=TierBand(record["tier_min_vehicles"], record["tier_max_vehicles"]),
                tier_price_cents=require_cents(record["tier_price_cents"], "tier_price_cents"),
                voucher=voucher,
                total_cents=require_cents(record["total_cents"], "total_cents"),
                vat_cents=require_cents(record["vat_cents"], "vat_cents"),
                vat_rate_percent=require_vat_rate(_decimal_from_text(record["vat_rate_percent"])),
                currency=require_currency(record["currency"]),
                # Records older than versioned price books have none: version 0.
                price_book_version=int(record.get("price_book_version") or 0),
            )
        except (KeyError, TypeError, ValueError, InvalidOperation) as error:
            if isinstance(error, QuoteRecordError):
                raise
            raise QuoteRecordError(f"invalid quote record: {error!r}") from error
        if (
            isinstance(quote.vehicle_count, bool)
            or not isinstance(quote.vehicle_count, int)
            or not quote.band.contains(quote.vehicle_count)
        ):
            raise QuoteRecordError("quote record: vehicle_count is not in the tier band")
        if quote.total_cents != quote.tier_price_cents - quote.discount_cents:
            raise QuoteRecordError("quote record: total ≠ tier price − discount")
        expected_vat = vat_included_cents(
            quote.total_cents, vat_rate_percent=quote.vat_rate_percent
        )
        if quote.vat_cents != expected_vat:
            raise QuoteRecordError("quote record: VAT does not match total and rate")
        return quote


def build_quote(
    package: str | Package,
    vehicle_count: int,
    voucher: Voucher | None,
    *,
    vat_rate_percent: Decimal | None = None,
    currency: str | None = None,
    price_book: PriceBook = DEFAULT_PRICE_BOOK,
) -> Quote:
    """Price ``vehicle_count`` vehicles of ``package``, with an already accepted voucher or None.

    Check the voucher first with ``evaluate_voucher`` (it knows the time and redemption count);
    this function only does the arithmetic. Tiers, VAT rate and currency come from
    ``price_book``; an explicit ``vat_rate_percent`` or ``currency`` overrides the book's.
    """
    package = parse_package(package)
    rate = require_vat_rate(
        price_book.vat_rate_percent if vat_rate_percent is None else vat_rate_percent
    )
    currency = require_currency(price_book.currency if currency is None else currency)
    tier = price_book.lookup(package, vehicle_count)

    applied: AppliedVoucher | None = None
    if voucher is not None:
        if not voucher.applies_to(package):
            # evaluate_voucher refuses this; reaching here means the caller skipped it.
            raise ValueError(f"voucher {voucher.code} does not apply to package {package}")
        applied = AppliedVoucher(
            code=voucher.code,
            type=voucher.type,
            label=voucher.label,
            percent_off=voucher.percent_off,
            amount_off_cents=voucher.amount_off_cents,
            discount_cents=voucher.discount_cents(tier.price_cents),
            version=voucher.version,
            labels=voucher.labels,
        )

    total = tier.price_cents - (0 if applied is None else applied.discount_cents)
    return Quote(
        package=package,
        package_title=product(package).title,
        vehicle_count=vehicle_count,
        band=tier.band,
        tier_price_cents=tier.price_cents,
        voucher=applied,
        total_cents=total,
        # Once, on the final total: per-line or pre-discount VAT would drift by cents.
        vat_cents=vat_included_cents(total, vat_rate_percent=rate),
        vat_rate_percent=rate,
        currency=currency,
        price_book_version=price_book.version,
    )


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def _cents_or_none(value: object) -> int | None:
    return None if value is None else require_cents(value, "amount_off_cents")


def _decimal_or_none(value: object) -> Decimal | None:
    return None if value is None else _decimal_from_text(value)


def _decimal_from_text(value: object) -> Decimal:
    # Records hold decimals as text; a float here means someone wrote the record by hand.
    if not isinstance(value, str):
        raise TypeError(f"decimal values in a quote record are strings, got {value!r}")
    return Decimal(value)
