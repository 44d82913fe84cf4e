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
from shared.pricing.tiers import tiers_of
from shared.pricing.vat import require_vat_rate
from shared.pricing.vouchers import VoucherDecision, VoucherRefused
from shared.product.catalog import PRODUCTS, package_features, package_modules


def build_catalog(*, vat_rate_percent: Decimal, currency: str) -> CatalogResponse:
    """Every package with its title, features, Tesla modules and band prices."""
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
                for tier in tiers_of(package)
            ),
        )
        for package, item in PRODUCTS.items()
    )
    return CatalogResponse(
        currency=require_currency(currency),
        vat_rate_percent=require_vat_rate(vat_rate_percent),
        packages=packages,
    )


def voucher_validation_response(
    decision: VoucherDecision, *, currency: str
) -> VoucherValidateResponse:
    """The preview answer; every refusal gives the same all-null body whatever its reason."""
    if isinstance(decision, VoucherRefused):
        return VoucherValidateResponse(valid=False)
    voucher = decision.voucher
    return VoucherValidateResponse(
        valid=True,
        code=voucher.code,
        type=voucher.type,
        label=voucher.label,
        discount_description=voucher.describe(currency),
    )
