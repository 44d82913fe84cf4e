"""The partner token: ``client_credentials`` for our app, one per regional audience.

Tesla's specs endpoint takes a partner token, not the customer's (reference §4.12), so the
Expert package's specs call goes out with this one and nothing else does. A token is cached per
instance and region until shortly before it expires and shared by every request (and worker
thread) of the instance: one token request per region per ~8 h, not one per car. The token
is never logged; ``PartnerToken.__repr__`` hides it too.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from shared.tesla import oauth
from shared.tesla.fleet import FleetClient, region_base_url

if TYPE_CHECKING:
    import requests

    from shared.platform.settings import Settings

# The specs scope; Tesla clips what the app is not allowed, which then fails the specs call.
PARTNER_SCOPES = "openid vehicle_specs"
# Renew this long before expiry: a token must not run out between our check and Tesla's.
RENEW_BEFORE = timedelta(minutes=5)


@dataclass(frozen=True)
class PartnerToken:
    access_token: str
    expires_at: datetime
    audience: str

    def fresh_at(self, now: datetime) -> bool:
        return now < self.expires_at - RENEW_BEFORE

    def __repr__(self) -> str:  # never print a token, even by accident
        return f"PartnerToken(audience={self.audience}, expires_at={self.expires_at.isoformat()})"


class PartnerTokens:
    """Partner tokens by audience (the regional base URL), renewed shortly before expiry."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, str], PartnerToken] = {}

    def token(
        self, settings: Settings, http: requests.Session, region: str, *, renew: bool = False
    ) -> PartnerToken:
        """The cached token for ``region``'s audience, or a new one (raises ``TeslaError``).

        ``renew``: Tesla refused the cached one (revoked, or the app's secret rotated).
        """
        audience = region_base_url(settings, region)
        key = (settings.tesla_client_id, audience)
        # One lock for all regions: renewals are rare, and a renewal in flight must not be
        # duplicated by the other worker threads that need the same token at the same moment.
        with self._lock:
            cached = self._tokens.get(key)
            if cached is not None and not renew and cached.fresh_at(datetime.now(UTC)):
                return cached
            tokens = oauth.client_credentials(
                settings, http, audience=audience, scope=PARTNER_SCOPES
            )
            fresh = PartnerToken(tokens.access_token, tokens.expires_at, audience)
            self._tokens[key] = fresh
            return fresh

    def forget(self) -> None:
        with self._lock:
            self._tokens.clear()


_INSTANCE_TOKENS = PartnerTokens()


def partner_tokens() -> PartnerTokens:
    """The instance's cache: shared by every request the instance serves."""
    return _INSTANCE_TOKENS


def partner_client(
    settings: Settings,
    http: requests.Session,
    region: str,
    *,
    renew: bool = False,
    tokens: PartnerTokens | None = None,
) -> FleetClient:
    """A Fleet client acting with the partner token in ``region`` (for specs only)."""
    token = (tokens or partner_tokens()).token(settings, http, region, renew=renew)
    return FleetClient(settings, http, access_token=token.access_token, region=region)
