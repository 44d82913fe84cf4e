"""CPQ: configure, price, quote (roadmap §7). Pure logic: no Firestore, no HTTP.

- Product — ``catalog``: packages, the Tesla modules each fetches, the features they show.
- Price — ``tiers``: package × vehicle-count band → total cents, VAT included.
- Quote — ``quotes``: tier price − voucher (``vouchers``) → total, VAT extracted once (``vat``).
- ``models``: the API request/response models; ``responses``: builders for them.
"""

from shared.pricing.catalog import (
    MODULE_FEATURES,
    PACKAGE_MODULES,
    PRODUCTS,
    Package,
    Product,
    TeslaModule,
    UnknownPackageError,
    package_features,
    package_modules,
    parse_package,
)
from shared.pricing.quotes import (
    QUOTE_RECORD_VERSION,
    AppliedVoucher,
    Quote,
    QuoteRecordError,
    build_quote,
)
from shared.pricing.responses import build_catalog, voucher_validation_response
from shared.pricing.tiers import (
    TIER_BANDS,
    TIER_PRICES_CENTS,
    Tier,
    TierBand,
    VehicleCountError,
    band_for,
    lookup_tier,
    tiers_of,
)
from shared.pricing.vat import vat_included_cents
from shared.pricing.vouchers import (
    VOUCHER_NOT_VALID_ERROR_CODE,
    VOUCHER_NOT_VALID_MESSAGE,
    RefusalReason,
    Voucher,
    VoucherAccepted,
    VoucherBook,
    VoucherDecision,
    VoucherFileError,
    VoucherRefused,
    VoucherType,
    evaluate_voucher,
    load_vouchers,
    normalize_code,
)

__all__ = [
    "MODULE_FEATURES",
    "PACKAGE_MODULES",
    "PRODUCTS",
    "QUOTE_RECORD_VERSION",
    "TIER_BANDS",
    "TIER_PRICES_CENTS",
    "VOUCHER_NOT_VALID_ERROR_CODE",
    "VOUCHER_NOT_VALID_MESSAGE",
    "AppliedVoucher",
    "Package",
    "Product",
    "Quote",
    "QuoteRecordError",
    "RefusalReason",
    "TeslaModule",
    "Tier",
    "TierBand",
    "UnknownPackageError",
    "VehicleCountError",
    "Voucher",
    "VoucherAccepted",
    "VoucherBook",
    "VoucherDecision",
    "VoucherFileError",
    "VoucherRefused",
    "VoucherType",
    "band_for",
    "build_catalog",
    "build_quote",
    "evaluate_voucher",
    "load_vouchers",
    "lookup_tier",
    "normalize_code",
    "package_features",
    "package_modules",
    "parse_package",
    "tiers_of",
    "vat_included_cents",
    "voucher_validation_response",
]
