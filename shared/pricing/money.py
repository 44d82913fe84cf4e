"""Money helpers: integer cents, Decimal arithmetic, explicit half-up rounding.

Python's Decimal context rounds half-even by default, and floats cannot hold most cent values
exactly, so every rounding in pricing goes through :func:`round_half_up` here.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, localcontext

# ISO 4217 alphabetic code; the caller passes the currency from settings.
_CURRENCY_PATTERN = re.compile(r"[A-Z]{3}")

# Symbols for the currencies we can expect; any other code is written after the amount.
_CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def round_half_up(value: Decimal) -> int:
    """Round a Decimal to the nearest integer; an exact half goes away from zero."""
    if not isinstance(value, Decimal):
        raise TypeError(f"round_half_up takes a Decimal, got {type(value).__name__}")
    # A generous precision so that the quantize below never meets an already-rounded digit.
    with localcontext(prec=60):
        return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def round_half_up_quotient(numerator: Decimal, denominator: Decimal) -> int:
    """``round_half_up(numerator / denominator)`` with the division done at high precision.

    The default context (28 digits) would round the quotient before we round it to the cent.
    """
    with localcontext(prec=60):
        return round_half_up(Decimal(numerator) / Decimal(denominator))


def require_cents(value: object, what: str) -> int:
    """Check that ``value`` is an int number of cents (not a float, not a bool) and >= 0."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int number of cents, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {value}")
    return value


def require_currency(currency: str) -> str:
    """Check an ISO 4217 code such as ``EUR``; a typo here would otherwise reach the receipt."""
    if not isinstance(currency, str) or not _CURRENCY_PATTERN.fullmatch(currency):
        raise ValueError(f"currency must be an ISO 4217 code such as 'EUR', got {currency!r}")
    return currency


def format_money(cents: int, currency: str) -> str:
    """``2999, "EUR"`` → ``€29.99``; for display strings only, never for arithmetic."""
    require_cents(cents, "cents")
    amount = f"{cents // 100}.{cents % 100:02d}"
    symbol = _CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{amount}" if symbol else f"{amount} {currency}"


def format_percent(value: Decimal) -> str:
    """``Decimal("12.50")`` → ``12.5%``, ``Decimal("100")`` → ``100%`` (no exponent notation)."""
    return f"{value.normalize():f}%"
