"""The seller printed on every receipt: per environment in Firestore (``seller_for``).

Kept as data, not code, so the company's registered details change without a release: an
operator sets them with ``python -m admin seller set``. ``config/seller.json`` holds fictional
placeholder values, seeded into the local emulator only; outside ``local`` the placeholder is
refused. Keys starting with ``_`` are comments and are ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.platform.settings import Settings

# The repository's placeholder (local seed data only).
DEFAULT_SELLER_PATH = Path(__file__).resolve().parents[2] / "config" / "seller.json"

_TEXT_FIELDS = ("name", "business_id", "vat_number", "email")


class SellerConfigError(ValueError):
    """A seller file that is missing, unreadable or incomplete."""


@dataclass(frozen=True, slots=True)
class Seller:
    """Who sold the report: what a bookkeeper needs to book the receipt as an expense."""

    name: str
    business_id: str
    vat_number: str
    address_lines: tuple[str, ...]
    email: str


def seller_for(settings: Settings) -> Seller:
    """The environment's seller identity from Firestore; the placeholder only in ``local``."""
    from shared.pricing.book import is_placeholder_seller, read_seller_data

    data = read_seller_data(settings)
    if data is None and settings.environment == "local":
        return load_seller(settings.seller_path)  # the local seed file stands in
    if data is None:
        raise SellerConfigError(
            f"environment {settings.environment!r} has no seller identity "
            "(python -m admin seller set)"
        )
    if settings.environment != "local" and is_placeholder_seller(data):
        raise SellerConfigError(
            f"environment {settings.environment!r} still has the placeholder seller identity"
        )
    stored = {k: v for k, v in data.items() if k not in ("version", "updated_at", "updated_by")}
    return parse_seller(stored)


def load_seller(path: str | Path = DEFAULT_SELLER_PATH) -> Seller:
    """Read and check a seller file (local seed, admin input); see ``parse_seller``."""
    try:
        data: Any = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise SellerConfigError(f"cannot read seller file {path}: {error}") from error
    return parse_seller(data)


def seller_data(seller: Seller) -> dict[str, Any]:
    """What is stored: the fields of ``seller`` as plain data."""
    return {
        "name": seller.name,
        "business_id": seller.business_id,
        "vat_number": seller.vat_number,
        "address_lines": list(seller.address_lines),
        "email": seller.email,
    }


def parse_seller(data: object) -> Seller:
    """Check seller data; every field must be a non-empty string (address: a list of them)."""
    if not isinstance(data, dict):
        raise SellerConfigError("seller file must hold a JSON object")
    fields = {key: value for key, value in data.items() if not key.startswith("_")}
    unknown = set(fields) - {*_TEXT_FIELDS, "address_lines"}
    if unknown:
        # A typo ("vat_nr") would otherwise leave a blank on every receipt.
        raise SellerConfigError(f"unknown seller fields: {sorted(unknown)}")
    for name in _TEXT_FIELDS:
        if not isinstance(fields.get(name), str) or not fields[name].strip():
            raise SellerConfigError(f"seller field {name!r} must be a non-empty string")
    address = fields.get("address_lines")
    if (
        not isinstance(address, list)
        or not address
        or not all(isinstance(line, str) and line.strip() for line in address)
    ):
        raise SellerConfigError("seller field 'address_lines' must be a list of non-empty strings")
    return Seller(
        name=fields["name"].strip(),
        business_id=fields["business_id"].strip(),
        vat_number=fields["vat_number"].strip(),
        address_lines=tuple(line.strip() for line in address),
        email=fields["email"].strip(),
    )
