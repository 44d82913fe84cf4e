"""What Tesla bills for Fleet API calls: one price table, in integer micro-dollars.

Tesla bills every response below 500 (401, 408, 421 and 429 included) and no 5xx
(reference §6.1). Only ``vehicle_data`` = data and ``wake_up`` = wake are documented; the other
categories follow the simulator's ledger, which follows the roadmap's "$0.014 per Pro car"
(alerts, service data, release notes and every ``/dx/*`` call billed as data). The list and
single-vehicle reads are free (the "is it awake?" check Home Assistant relies on). Change a
price or a category here and nowhere else.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Final


class BillingCategory(StrEnum):
    DATA = "data"
    WAKE = "wake"
    COMMAND = "command"
    SPECS = "specs"
    FREE = "free"


PRICE_MICRO_USD: Final = MappingProxyType(
    {
        BillingCategory.DATA: 2_000,  # $0.002: 500 requests / $1
        BillingCategory.WAKE: 20_000,  # $0.02: 50 requests / $1
        BillingCategory.COMMAND: 1_000,  # $0.001: 1,000 requests / $1
        BillingCategory.SPECS: 100_000,  # $0.10 per call (UNVERIFIED third-party claim, §4.12)
        BillingCategory.FREE: 0,
    }
)

# Logical endpoint name (the simulator ledger's ``endpoint``) → billing category.
ENDPOINT_CATEGORY: Final = MappingProxyType(
    {
        "users_region": BillingCategory.FREE,
        "users_me": BillingCategory.FREE,
        "vehicles": BillingCategory.FREE,
        "vehicle": BillingCategory.FREE,
        "vehicle_data": BillingCategory.DATA,
        "wake_up": BillingCategory.WAKE,
        "recent_alerts": BillingCategory.DATA,
        "service_data": BillingCategory.DATA,
        "release_notes": BillingCategory.DATA,
        "charging_history": BillingCategory.DATA,
        "charging_invoice": BillingCategory.DATA,
        "warranty_details": BillingCategory.DATA,
        "options": BillingCategory.DATA,
        "specs": BillingCategory.SPECS,
    }
)

_MICRO = Decimal("0.000001")


def category_of(endpoint: str) -> BillingCategory:
    """The billing category of a logical endpoint; an endpoint we never priced raises KeyError,
    so a new call cannot slip into the manifest as free by accident."""
    return ENDPOINT_CATEGORY[endpoint]


def price_micro_usd(category: BillingCategory) -> int:
    return PRICE_MICRO_USD[category]


def is_billed(status: int | None) -> bool:
    """Tesla bills every answer below 500. ``None`` (no answer: network error) is not billed."""
    return status is not None and status < 500


def micro_usd_to_usd(amount_micro_usd: int) -> str:
    """Exact dollars with six decimals (``14000`` → ``"0.014000"``), as the ledger prints them."""
    return str((Decimal(amount_micro_usd) * _MICRO).quantize(_MICRO))
