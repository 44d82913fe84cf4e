"""Connecting a Tesla account: code → tokens → the account's region → its cars (none woken)."""

from __future__ import annotations

from functools import cache

import requests

from shared.cars.connection import Connection
from shared.cars.vehicles import VehicleRecord
from shared.platform.settings import Settings
from shared.tesla import oauth
from shared.tesla.errors import TeslaApiError, TeslaUnavailable
from shared.tesla.fleet import REGIONS, FleetClient, region_base_url


@cache
def tesla_http() -> requests.Session:
    """One pooled HTTP session per instance (the tips-connection-pooling pattern)."""
    return requests.Session()


class TeslaConnector:
    name = "tesla"

    def authorize_url(self, settings: Settings, *, state: str, code_challenge: str) -> str:
        return oauth.authorize_url(settings, state=state, code_challenge=code_challenge)

    def connect(self, settings: Settings, *, code: str, code_verifier: str) -> Connection:
        http = tesla_http()
        tokens = oauth.exchange_code(
            settings,
            http,
            code=code,
            code_verifier=code_verifier,
            audience=region_base_url(settings, settings.tesla_default_region),
        )
        hinted = tokens.region_hint if tokens.region_hint in REGIONS else None
        client = FleetClient(
            settings,
            http,
            access_token=tokens.access_token,
            region=hinted or settings.tesla_default_region,
        )
        try:
            client.user_region()
        except TeslaApiError as error:
            if error.status not in (401, 403):  # a missing user_data scope: keep the hint
                raise
        try:
            items = client.list_vehicles()
        except TeslaApiError as error:
            raise TeslaUnavailable(f"vehicle list refused: {error.status}") from None
        vehicles = [v for v in map(VehicleRecord.from_tesla, items) if v is not None]
        return Connection(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
            scopes=tokens.scopes,
            region=client.region,
            vehicles=tuple(vehicles),
        )
