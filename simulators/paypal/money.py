"""Money as PayPal carries it: ``{"currency_code": "EUR", "value": "29.99"}`` with string values.

Values are parsed to :class:`decimal.Decimal` and never touch floats; formatting goes back to the
currency's exact number of decimals.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .errors import invalid_request, unprocessable

# PayPal's schema pattern for amount values, and its 32-character limit.
_VALUE_PATTERN = re.compile(r"^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$")
_MAX_VALUE_LENGTH = 32
_CURRENCY_SYMBOLS: dict[str, str] = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}


def format_value(amount: Decimal, decimals: int) -> str:
    quantum = Decimal(1).scaleb(-decimals)
    return str(amount.quantize(quantum, rounding=ROUND_HALF_UP))


def money(currency_code: str, value: str) -> dict[str, str]:
    return {"currency_code": currency_code, "value": value}


def summary_amount(amount: dict[str, str]) -> str:
    """Webhook summaries read like ``Payment completed for € 29.99 EUR``."""
    code = amount["currency_code"]
    return f"{_CURRENCY_SYMBOLS.get(code, code)} {amount['value']} {code}"


def parse_money(
    raw: Any,
    field: str,
    currency_decimals: dict[str, int],
    *,
    strict: bool,
    allow_zero: bool = False,
) -> tuple[str, Decimal]:
    """Validate one money object; return (currency_code, amount) or raise PayPal's error."""
    if not isinstance(raw, dict):
        raise invalid_request("INVALID_PARAMETER_SYNTAX", field, raw)
    currency = raw.get("currency_code")
    if currency is None:
        raise invalid_request("MISSING_REQUIRED_PARAMETER", f"{field}/currency_code")
    if not isinstance(currency, str) or len(currency) != 3:
        raise invalid_request("INVALID_STRING_LENGTH", f"{field}/currency_code", currency)
    if currency not in currency_decimals:
        raise unprocessable("CURRENCY_NOT_SUPPORTED", f"{field}/currency_code", currency)
    value = raw.get("value")
    if value is None:
        raise invalid_request("MISSING_REQUIRED_PARAMETER", f"{field}/value")
    # A JSON number is a schema violation: PayPal's value is a string (and floats lose cents).
    if not isinstance(value, str) or len(value) > _MAX_VALUE_LENGTH:
        raise invalid_request("INVALID_PARAMETER_SYNTAX", f"{field}/value", value)
    if not _VALUE_PATTERN.match(value):
        raise invalid_request("INVALID_PARAMETER_SYNTAX", f"{field}/value", value)
    amount = Decimal(value)
    decimals = currency_decimals[currency]
    given_decimals = len(value.split(".", 1)[1]) if "." in value else 0
    if given_decimals > decimals or (strict and given_decimals != decimals):
        raise unprocessable("DECIMAL_PRECISION", f"{field}/value", value)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise unprocessable("CANNOT_BE_ZERO_OR_NEGATIVE", f"{field}/value", value)
    return currency, amount


def seller_fee(amount: Decimal, currency: str, percent: str, fixed: dict[str, str]) -> Decimal:
    """Illustrative PayPal fee: percent of the gross plus a fixed part per currency."""
    fee = amount * Decimal(percent) / Decimal(100) + Decimal(fixed.get(currency, "0"))
    return min(fee, amount)


def ensure_currency(currency: str, expected: str, field: str) -> None:
    if currency != expected:
        raise unprocessable("CURRENCY_MISMATCH", field, currency)
