"""Library values → API responses for the catalog and the voucher preview.

(The quote's response is ``Quote.to_response()``.)
"""

from __future__ import annotations

from decimal import Decimal

from shared.pricing.models import (
    CatalogPackage,
    CatalogResponse,
    CatalogTier,
    VoucherValidateResponse,
)
from shared.pricing.money import require_currency
from shared.pricing.tiers import DEFAULT_PRICE_BOOK, PriceBook
from shared.pricing.vat import require_vat_rate
from shared.pricing.vouchers import VoucherDecision, VoucherRefused
from shared.product.catalog import PRODUCTS, package_features, package_modules


def build_catalog(
    *,
    vat_rate_percent: Decimal | None = None,
    currency: str | None = None,
    price_book: PriceBook = DEFAULT_PRICE_BOOK,
) -> CatalogResponse:
    """Every package with its title, features, Tesla modules and band prices (from the book)."""
    packages = tuple(
        CatalogPackage(
            name=package,
            title=item.title,
            features=package_features(package),
            modules=package_modules(package),
            tiers=tuple(
                CatalogTier(
                    label=tier.band.label,
                    min_vehicles=tier.band.min_vehicles,
                    max_vehicles=tier.band.max_vehicles,
                    price_cents=tier.price_cents,
                )
                for tier in price_book.tiers_of(package)
            ),
        )
        for package, item in PRODUCTS.items()
    )
    return CatalogResponse(
        currency=require_currency(price_book.currency if currency is None else currency),
        vat_rate_percent=require_vat_rate(
            price_book.vat_rate_percent if vat_rate_percent is None else vat_rate_percent
        ),
        packages=packages,
    )


def voucher_validation_response(
    decision: VoucherDecision, *, currency: str, language: str | None = None
) -> VoucherValidateResponse:
    """The preview answer; every refusal gives the same all-null body whatever its reason."""
    if isinstance(decision, VoucherRefused):
        return VoucherValidateResponse(valid=False)
    voucher = decision.voucher
    return VoucherValidateResponse(
        valid=True,
        code=voucher.code,
        type=voucher.type,
        label=voucher.label_in(language),
        discount_description=voucher.describe(currency),
    )
