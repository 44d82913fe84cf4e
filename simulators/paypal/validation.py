"""Validation of ``POST /v2/checkout/orders`` bodies, with PayPal's errors.

Schema problems answer 400 INVALID_REQUEST, business rules 422 UNPROCESSABLE_ENTITY, each with
one ``details`` entry naming the field. Inside purchase units the field is written the way
PayPal writes it: ``/purchase_units/@reference_id=='default'/amount/value``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from .config import PayPalSimulatorConfig
from .errors import invalid_request, unprocessable
from .money import ensure_currency, parse_money

INTENTS: tuple[str, ...] = ("CAPTURE", "AUTHORIZE")
MAX_PURCHASE_UNITS = 10
STRING_LIMITS: dict[str, int] = {
    "reference_id": 256,
    "custom_id": 127,
    "invoice_id": 127,
    "description": 127,
    "soft_descriptor": 22,
}
BREAKDOWN_ADDED: tuple[str, ...] = ("item_total", "tax_total", "shipping", "handling", "insurance")
BREAKDOWN_SUBTRACTED: tuple[str, ...] = ("shipping_discount", "discount")


@dataclass(frozen=True)
class OrderRequest:
    intent: str
    purchase_units: list[dict[str, Any]]
    return_url: str | None
    cancel_url: str | None
    uses_payment_source: bool


def _check_url(value: Any, field: str) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid_request("INVALID_PARAMETER_SYNTAX", field, value)
    return str(value)


def _validate_breakdown(
    unit_path: str,
    amount: dict[str, Any],
    currency: str,
    total: Decimal,
    config: PayPalSimulatorConfig,
) -> Decimal | None:
    """Check amount.breakdown adds up; return item_total when given."""
    breakdown = amount.get("breakdown")
    if breakdown is None:
        return None
    if not isinstance(breakdown, dict):
        raise invalid_request("INVALID_PARAMETER_SYNTAX", f"{unit_path}/amount/breakdown")
    expected = Decimal(0)
    item_total: Decimal | None = None
    for name in BREAKDOWN_ADDED + BREAKDOWN_SUBTRACTED:
        if name not in breakdown:
            continue
        field = f"{unit_path}/amount/breakdown/{name}"
        part_currency, part = parse_money(
            breakdown[name],
            field,
            config.currency_decimals,
            strict=config.strict_amount_format,
            allow_zero=True,
        )
        ensure_currency(part_currency, currency, f"{field}/currency_code")
        expected += part if name in BREAKDOWN_ADDED else -part
        if name == "item_total":
            item_total = part
    if expected != total:
        raise unprocessable("AMOUNT_MISMATCH", f"{unit_path}/amount/value", str(total))
    return item_total


def _validate_items(
    unit_path: str,
    items: Any,
    currency: str,
    item_total: Decimal | None,
    config: PayPalSimulatorConfig,
) -> None:
    if not isinstance(items, list):
        raise invalid_request("INVALID_PARAMETER_SYNTAX", f"{unit_path}/items")
    total = Decimal(0)
    for index, item in enumerate(items):
        item_path = f"{unit_path}/items/{index}"
        if not isinstance(item, dict):
            raise invalid_request("INVALID_PARAMETER_SYNTAX", item_path)
        for required in ("name", "quantity", "unit_amount"):
            if required not in item:
                raise invalid_request("MISSING_REQUIRED_PARAMETER", f"{item_path}/{required}")
        quantity = item["quantity"]
        if not isinstance(quantity, str) or not quantity.isdigit() or int(quantity) < 1:
            raise invalid_request("INVALID_PARAMETER_SYNTAX", f"{item_path}/quantity", quantity)
        item_currency, unit_amount = parse_money(
            item["unit_amount"],
            f"{item_path}/unit_amount",
            config.currency_decimals,
            strict=config.strict_amount_format,
            allow_zero=True,
        )
        ensure_currency(item_currency, currency, f"{item_path}/unit_amount/currency_code")
        total += unit_amount * int(quantity)
    if item_total is None:
        raise unprocessable("ITEM_TOTAL_REQUIRED", f"{unit_path}/amount/breakdown/item_total")
    if total != item_total:
        raise unprocessable("ITEM_TOTAL_MISMATCH", f"{unit_path}/amount/breakdown/item_total")


def _validate_unit(
    raw: Any, index: int, unit_count: int, config: PayPalSimulatorConfig
) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise invalid_request("INVALID_PARAMETER_SYNTAX", f"/purchase_units/{index}")
    unit = copy.deepcopy(raw)
    unit.pop("payments", None)  # read-only in responses
    if unit_count > 1 and not unit.get("reference_id"):
        raise unprocessable("REFERENCE_ID_REQUIRED", f"/purchase_units/{index}/reference_id")
    unit.setdefault("reference_id", "default")
    unit_path = f"/purchase_units/@reference_id=='{unit['reference_id']}'"
    for name, limit in STRING_LIMITS.items():
        value = unit.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise invalid_request("INVALID_PARAMETER_SYNTAX", f"{unit_path}/{name}", value)
        if not 1 <= len(value) <= limit:
            raise invalid_request("INVALID_STRING_LENGTH", f"{unit_path}/{name}", value)
    amount = unit.get("amount")
    if amount is None:
        raise invalid_request("MISSING_REQUIRED_PARAMETER", f"{unit_path}/amount")
    currency, total = parse_money(
        amount, f"{unit_path}/amount", config.currency_decimals, strict=config.strict_amount_format
    )
    item_total = _validate_breakdown(unit_path, amount, currency, total, config)
    if "items" in unit:
        _validate_items(unit_path, unit["items"], currency, item_total, config)
    return unit


def validate_order_request(body: dict[str, Any], config: PayPalSimulatorConfig) -> OrderRequest:
    intent = body.get("intent")
    if intent is None:
        raise invalid_request("MISSING_REQUIRED_PARAMETER", "/intent")
    if intent not in INTENTS:
        raise invalid_request("INVALID_PARAMETER_VALUE", "/intent", intent)
    units = body.get("purchase_units")
    if units is None or units == []:
        raise invalid_request("MISSING_REQUIRED_PARAMETER", "/purchase_units")
    if not isinstance(units, list):
        raise invalid_request("INVALID_PARAMETER_SYNTAX", "/purchase_units")
    if len(units) > MAX_PURCHASE_UNITS:
        raise invalid_request("INVALID_ARRAY_MAX_ITEMS", "/purchase_units", str(len(units)))
    validated = [
        _validate_unit(unit, index, len(units), config) for index, unit in enumerate(units)
    ]
    references = [unit["reference_id"] for unit in validated]
    if len(set(references)) != len(references):
        raise unprocessable("DUPLICATE_REFERENCE_ID", "/purchase_units")

    experience, base = _experience_context(body)
    return OrderRequest(
        intent=intent,
        purchase_units=validated,
        return_url=_check_url(experience.get("return_url"), f"{base}/return_url"),
        cancel_url=_check_url(experience.get("cancel_url"), f"{base}/cancel_url"),
        uses_payment_source=body.get("payment_source") is not None,
    )


def _experience_context(body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Where the redirect URLs are, and its JSON pointer: payment_source.paypal.experience_context
    (current) wins over the deprecated application_context."""
    payment_source = body.get("payment_source")
    experience: dict[str, Any] = {}
    if payment_source is not None:
        if not isinstance(payment_source, dict) or set(payment_source) != {"paypal"}:
            # Only the PayPal wallet is simulated (no cards, no APMs).
            raise invalid_request("INVALID_PARAMETER_VALUE", "/payment_source")
        paypal = payment_source["paypal"]
        if not isinstance(paypal, dict):
            raise invalid_request("INVALID_PARAMETER_SYNTAX", "/payment_source/paypal")
        experience = paypal.get("experience_context") or {}
        base = "/payment_source/paypal/experience_context"
    else:
        experience = body.get("application_context") or {}
        base = "/application_context"
    if not isinstance(experience, dict):
        raise invalid_request("INVALID_PARAMETER_SYNTAX", base)
    return experience, base
