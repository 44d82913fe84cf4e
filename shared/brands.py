"""The car brands customers can connect. Tesla today; a second brand is one new connector.

A connector knows how to send the user to the brand's consent page and how to turn the code
that comes back into tokens and the account's cars. Everything after that (sessions, pricing,
payment) is brand-neutral.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shared.settings import Settings
from shared.tesla.vehicles import VehicleRecord


@dataclass(frozen=True)
class Connection:
    """What a successful connect yields. Holds live tokens: never log or return it."""

    access_token: str
    refresh_token: str | None
    expires_at: datetime
    scopes: tuple[str, ...]
    region: str
    vehicles: tuple[VehicleRecord, ...]

    def __repr__(self) -> str:
        return f"Connection(region={self.region!r}, vehicles={len(self.vehicles)})"


class BrandConnector(Protocol):
    name: str

    def authorize_url(self, settings: Settings, *, state: str, code_challenge: str) -> str: ...

    def connect(self, settings: Settings, *, code: str, code_verifier: str) -> Connection: ...


SUPPORTED_BRANDS = ("tesla",)


def connector_for(brand: str) -> BrandConnector:
    """The connector of a supported brand (validated by the request model before this)."""
    if brand == "tesla":
        from shared.tesla.connect import TeslaConnector

        return TeslaConnector()
    raise KeyError(brand)
