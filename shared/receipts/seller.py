"""The seller printed on every receipt, read from ``config/seller.json``.

Kept as data, not code, so the company's registered details change without a release and a test
environment can point at its own file. Keys starting with ``_`` are comments and are ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The repository's own file; deployments may pass another path.
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


def load_seller(path: str | Path = DEFAULT_SELLER_PATH) -> Seller:
    """Read and check a seller file; every field must be a non-empty string."""
    try:
        data: Any = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise SellerConfigError(f"cannot read seller file {path}: {error}") from error
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
