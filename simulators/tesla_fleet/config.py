"""Simulator configuration; every default mirrors Tesla as far as the reference knows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

DEFAULT_REDIRECT_URIS: tuple[str, ...] = (
    "http://127.0.0.1:8080/api/v1/tesla/oauth/callback",
    "http://localhost:8080/api/v1/tesla/oauth/callback",
)

# Integer micro-dollars (1 USD = 1_000_000) so ledger sums are exact.
DEFAULT_PRICES_MICRO_USD: dict[str, int] = {
    "data": 2_000,  # 500 requests / $1
    "wake": 20_000,  # 50 requests / $1
    "command": 1_000,  # 1,000 requests / $1
    "specs": 100_000,  # $0.10 per call (UNVERIFIED, third-party claim)
    "free": 0,
}

# Billing category per logical endpoint. Only vehicle_data=data and wake_up=wake are documented;
# the dx / alerts / service / release-notes calls are billed as "data" because that is what the
# product roadmap's per-package cost ($0.014 for 7 Pro calls) assumes. The list and single-vehicle
# calls are "free" (Home Assistant calls GET /vehicles/{vin} free); all are UNVERIFIED.
DEFAULT_ENDPOINT_CATEGORIES: dict[str, str] = {
    "users_region": "free",
    "users_me": "free",
    "vehicles": "free",
    "vehicle": "free",
    "vehicle_data": "data",
    "wake_up": "wake",
    "recent_alerts": "data",
    "service_data": "data",
    "release_notes": "data",
    "charging_history": "data",
    "charging_invoice": "data",
    "warranty_details": "data",
    "options": "data",
    "specs": "specs",
    "unknown": "free",
}


@dataclass
class SimulatorConfig:
    # --- the one registered third-party application -------------------------------------------
    client_id: str = "cpt-local-client"
    client_secret: str = "cpt-local-secret"
    redirect_uris: list[str] = field(default_factory=lambda: list(DEFAULT_REDIRECT_URIS))
    # Regions where the app called POST /api/1/partner_accounts; other regions answer 412.
    registered_regions: list[str] = field(default_factory=lambda: ["eu", "na"])
    # Scopes enabled on the developer.tesla.com application; requests are clipped to these.
    allowed_scopes: list[str] = field(
        default_factory=lambda: [
            "openid",
            "offline_access",
            "user_data",
            "vehicle_device_data",
            "vehicle_location",
            "vehicle_cmds",
            "vehicle_charging_cmds",
            "vehicle_specs",
        ]
    )

    # --- tokens ---------------------------------------------------------------------------------
    jwt_secret: str = "tesla-fleet-simulator-hs256-signing-key-not-a-secret"
    access_token_ttl_seconds: int = 28_800  # observed 8 h
    auth_code_ttl_seconds: int = 600  # UNVERIFIED; RFC 6749 recommends at most 10 minutes
    refresh_token_ttl_seconds: int = 90 * 24 * 3600  # "expires after 3 months"
    refresh_token_grace_seconds: int = (
        24 * 3600
    )  # most recently used refresh token stays valid 24 h
    require_audience: bool = (
        False  # real exchanges without `audience` work; strict mode rejects them
    )
    # Tesla's 2024 announcement says a refresh kills the old access tokens; a commenter doubts it.
    revoke_access_tokens_on_refresh: bool = False

    # --- vehicles -------------------------------------------------------------------------------
    wake_delay_seconds: float = 15.0  # simulated seconds from wake_up until "online"
    auto_sleep_after_seconds: float | None = None  # idle online cars fall asleep (off by default)
    vehicle_unavailable_status: int = 408  # 408 per docs; 500/503 also seen in the wild
    # 2026 reports: without vehicle_location the whole drive_state is missing from vehicle_data.
    drop_drive_state_without_location_scope: bool = True

    # Tesla's docs: specs take a partner (client_credentials) token. A user token is refused
    # (403) unless this is set, for clients that were written against the older assumption.
    specs_accept_user_tokens: bool = False

    # --- limits and billing ---------------------------------------------------------------------
    data_rate_limit_per_minute: int = 60
    wake_rate_limit_per_minute: int = 3
    prices_micro_usd: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PRICES_MICRO_USD))
    endpoint_categories: dict[str, str] = field(
        default_factory=lambda: dict(DEFAULT_ENDPOINT_CATEGORIES)
    )

    # --- envelopes and paging -------------------------------------------------------------------
    wrap_dx_responses: bool = False  # Tesla's examples show /dx/* bare; one SDK wraps them
    charging_history_first_page: int = 1  # UNVERIFIED: pageNo base is undocumented
    charging_history_default_page_size: int = 25
    charging_history_max_page_size: int = 100
    vehicles_default_page_size: int = 100  # "default page size of 100 vehicles"

    # --- environment ----------------------------------------------------------------------------
    # Root URL to advertise (base URLs, 421 bodies, issuer). None: built from each request's host.
    public_url: str | None = None
    freeze_clock: bool = False
    data_seed: int = 2026
    # Demo history (charging sessions, alerts, warranty) ends here, so it never changes with time.
    data_anchor: datetime = field(default_factory=lambda: datetime(2026, 11, 1, tzinfo=UTC))
    max_injected_latency_seconds: float = 30.0

    def price_of(self, category: str) -> int:
        return self.prices_micro_usd.get(category, 0)

    def category_of(self, endpoint: str) -> str:
        return self.endpoint_categories.get(endpoint, "free")


# Settings an admin may change at runtime through POST /admin/settings (restored on reset).
RUNTIME_SETTINGS: tuple[str, ...] = (
    "access_token_ttl_seconds",
    "auth_code_ttl_seconds",
    "refresh_token_grace_seconds",
    "require_audience",
    "revoke_access_tokens_on_refresh",
    "wake_delay_seconds",
    "auto_sleep_after_seconds",
    "vehicle_unavailable_status",
    "drop_drive_state_without_location_scope",
    "specs_accept_user_tokens",
    "data_rate_limit_per_minute",
    "wake_rate_limit_per_minute",
    "wrap_dx_responses",
    "charging_history_first_page",
    "registered_regions",
    "redirect_uris",
)
