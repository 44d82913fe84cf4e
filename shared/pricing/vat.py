"""VAT contained in a VAT-inclusive price.

Our prices are gross (VAT included). VAT is extracted once, from the order's final total, with
Vero's formula for a VAT-inclusive price: VAT = total × rate / (100 + rate), rounded half up to
the cent (payments-commerce.md §5). Extracting per line or before the voucher would give totals
that differ by a cent from what the tax authority computes on the receipt.
"""

from __future__ import annotations

from decimal import Decimal

from shared.pricing.money import require_cents, round_half_up_quotient

_HUNDRED = Decimal(100)


def require_vat_rate(rate_percent: Decimal) -> Decimal:
    """Check a VAT rate in percent (``Decimal("25.5")``); floats are refused, not converted."""
    if isinstance(rate_percent, bool) or not isinstance(rate_percent, Decimal | int):
        raise TypeError(
            f"vat_rate_percent must be a Decimal (e.g. Decimal('25.5')), "
            f"got {type(rate_percent).__name__}"
        )
    rate = Decimal(rate_percent)
    if not rate.is_finite() or rate < 0 or rate >= _HUNDRED:
        raise ValueError(f"vat_rate_percent must be in [0, 100), got {rate_percent}")
    return rate


def vat_included_cents(total_cents: int, *, vat_rate_percent: Decimal) -> int:
    """The VAT contained in ``total_cents``: round_half_up(total × rate / (100 + rate)).

    >>> vat_included_cents(2999, vat_rate_percent=Decimal("25.5"))
    609
    """
    require_cents(total_cents, "total_cents")
    rate = require_vat_rate(vat_rate_percent)
    return round_half_up_quotient(Decimal(total_cents) * rate, _HUNDRED + rate)
