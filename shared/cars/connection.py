"""What connecting a car account yields, and what a brand's connector must offer.

Brand-neutral: a connector (``shared.tesla.connect`` today) turns the consent code into a
``Connection``; sessions, pricing and payment never see which brand it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from shared.cars.vehicles import VehicleRecord

if TYPE_CHECKING:
    from shared.platform.settings import Settings


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
