"""One typed settings object for every function, the local stack and the tests.

Values come from the environment with the ``CPT_`` prefix (``CPT_WUI_URL=...``). Production
injects secrets as environment variables with ``gcloud functions deploy --set-secrets``, so the
code never calls Secret Manager on a request path. Local defaults make ``make up`` work with no
configuration; outside ``local`` every secret and URL must be set explicitly, so a deployed
function can never run on a developer default (the original product shipped a production
default ``FRONTEND_URL``).
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["local", "dev", "tst", "prd"]

# base64 of a 32-byte key for local runs only; refused outside "local" by the validator below.
LOCAL_TOKEN_KEY = "bG9jYWwtZGV2LW9ubHktdG9rZW4ta2V5LTMyYnl0ZXM="  # noqa: S105
# Secrets whose local defaults must never reach a deployed environment.
_SECRET_FIELDS = (
    "tesla_client_secret",
    "stripe_secret_key",
    "stripe_webhook_secret",
    "paypal_client_secret",
    "token_encryption_key",
)
SECRET_FIELDS = _SECRET_FIELDS  # for the local per-function secrets profile (platform/http.py)
# Where Google publishes the keys its OIDC ID tokens (Cloud Tasks' included) are signed with.
GOOGLE_OIDC_CERTS_URL = "https://www.googleapis.com/oauth2/v3/certs"
LOCAL_TASKS_INVOKER = "cpt-tasks-invoker@cpt-local.iam.gserviceaccount.com"

# The deploy unit is the repository root; settings.py sits in shared/platform/.
REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Configuration of the whole backend; see docs/configuration.md for each field."""

    model_config = SettingsConfigDict(env_prefix="CPT_", extra="ignore", frozen=True)

    environment: Environment = "local"
    project_id: str = "cpt-local"
    region: str = "europe-north1"
    api_prefix: str = "/api/v1"

    # Storage, sessions, tasks
    reports_bucket: str = "cpt-local-reports"
    sessions_collection: str = "order_sessions"
    tasks_queue: str = "reports"
    tasks_location: str = "europe-north1"
    tasks_emulator_host: str | None = None  # host:port of the local Cloud Tasks emulator
    # Where report tasks are sent; also the audience of their OIDC token, which the worker checks.
    worker_url: str = "http://127.0.0.1:8080/api/v1/internal/reports/worker"
    # The service account whose OIDC token Cloud Tasks sends to the worker (set outside local).
    tasks_invoker_service_account: str = LOCAL_TASKS_INVOKER
    # The keys the worker verifies task tokens against: Google's; locally the Cloud Tasks
    # emulator's (dev/localcloud.py sets it). Nothing else is accepted outside local.
    tasks_oidc_certs_url: str = GOOGLE_OIDC_CERTS_URL
    # How long one worker attempt owns a car before another delivery may take over: longer than
    # the worker's function timeout (900 s), so a live attempt always holds its lease
    # (docs/reports.md, "Crash safety").
    worker_lease_s: int = Field(default=960, gt=0)

    # Tesla
    tesla_client_id: str = "cpt-local-client"
    tesla_client_secret: SecretStr = SecretStr("cpt-local-secret")
    tesla_redirect_uri: str = "http://127.0.0.1:8080/api/v1/tesla/oauth/callback"
    tesla_auth_url: str = "http://127.0.0.1:9100/oauth2/v3"
    # Regional Fleet API hosts; {region} is na, eu or cn. Only URLs of this shape are ever
    # called with a user's token (a 421 naming another host is not followed).
    tesla_fleet_url_template: str = "http://127.0.0.1:9100/{region}"
    tesla_default_region: Literal["na", "eu", "cn"] = "eu"
    tesla_scopes: str = (
        "openid offline_access user_data vehicle_device_data vehicle_charging_cmds vehicle_specs"
    )
    tesla_timeout_s: float = Field(default=10.0, gt=0)
    # How long a report waits for a sleeping car after its one wake-up (roadmap §5: 60 s).
    tesla_wake_timeout_s: float = Field(default=60.0, gt=0)

    # The web app
    wui_url: str = "http://127.0.0.1:5173"

    # Payments
    stripe_secret_key: SecretStr = SecretStr("sk_test_local")
    stripe_publishable_key: str = "pk_test_local"
    stripe_webhook_secret: SecretStr = SecretStr("whsec_local")
    stripe_api_base: str | None = None  # localstripe URL; None means api.stripe.com
    paypal_client_id: str = "cpt-local-paypal"
    paypal_client_secret: SecretStr = SecretStr("cpt-local-paypal-secret")
    paypal_api_base: str = "http://127.0.0.1:9200"
    paypal_webhook_id: str = "WH-LOCAL"

    # Tesla tokens are encrypted at rest with this key (base64 of 32 bytes); keys being rotated
    # out stay readable from the comma-separated previous list (docs/security.md).
    token_encryption_key: SecretStr = SecretStr(LOCAL_TOKEN_KEY)
    token_encryption_previous_keys: SecretStr = SecretStr("")

    # Order sessions and OAuth
    session_ttl_s: int = Field(default=30 * 60, gt=0)
    # A paid order lives this long, so its reports are delivered before TTL deletes it.
    paid_session_ttl_s: int = Field(default=14 * 24 * 3600, gt=0)
    oauth_state_ttl_s: int = Field(default=15 * 60, gt=0)
    oauth_states_collection: str = "oauth_states"

    # --- Payments: payment window, ledger and retention (docs/payments.md; issue 12) ---
    # Create-intent keeps the session alive this long, so money confirmed late (3-D Secure,
    # a PENDING PayPal capture, a slow wallet) still finds its order and is delivered.
    payment_window_s: int = Field(default=24 * 3600, gt=0)
    payment_ledger_collection: str = "payment_ledger"
    # Bookkeeping duty (Finnish Accounting Act: accounting vouchers at least six years): the
    # ledger, order.json and the receipt. Reports and charging history hold personal data and
    # are deleted sooner, counted from delivery.
    bookkeeping_retention_days: int = Field(default=6 * 366, gt=0)
    reports_retention_days: int = Field(default=90, gt=0)
    # Locally, each function sees only the secrets its deploy gives it (route ``secrets``), so a
    # missing secret fails locally as in the cloud. Off only to debug.
    local_route_secrets_only: bool = True

    # Abuse limits on endpoints that create state without a session, per client IP, counted in
    # Firestore so that every instance shares them.
    rate_limits_collection: str = "rate_limits"
    oauth_rate_limit: int = Field(default=20, gt=0)  # requests per window per IP and endpoint
    oauth_rate_window_s: int = Field(default=60, gt=0)

    # Voucher guessing: failed codes are capped per session and per client IP.
    voucher_failures_per_session: int = Field(default=10, gt=0)
    voucher_failures_per_ip: int = Field(default=30, gt=0)
    voucher_failure_window_s: int = Field(default=3600, gt=0)

    # Pricing
    currency: str = "EUR"
    vat_rate_percent: Decimal = Decimal("25.5")
    # Local seed data only (dev/seed.py loads them into the emulator on `make up`); deployed
    # functions read commerce data from Firestore, never from these files.
    vouchers_path: Path = REPO_ROOT / "config" / "vouchers.json"
    seller_path: Path = REPO_ROOT / "config" / "seller.json"
    price_book_path: Path = REPO_ROOT / "config" / "pricebook.json"

    # --- Commerce data (shared/pricing/book.py; docs/configuration.md) ---
    # Price book and seller identity documents, vouchers, and the admin tool's audit records.
    commerce_collection: str = "commerce"
    vouchers_collection: str = "commerce_vouchers"
    commerce_audit_collection: str = "commerce_audit"
    # How long an instance reuses the price book and vouchers it read: a published change
    # reaches every instance within this time.
    commerce_cache_s: float = Field(default=30.0, ge=0)
    # --- end of commerce settings ---

    # --- Offline cars finished later (shared/delivery/worker.py; docs/reports.md) ---
    # A car that could not be woken gets its partial report now and is tried again after each of
    # these delays (seconds from the attempt that failed to wake it): +1 h, +6 h, +24 h, +72 h.
    # Empty: never retried.
    car_retry_delays_s: tuple[int, ...] = (3600, 6 * 3600, 24 * 3600, 72 * 3600)
    # --- end of offline-car settings ---

    # --- Share and verify (shared/sharing, shared/platform/signing.py; docs/sharing.md) ---
    shares_collection: str = "report_shares"
    issued_reports_collection: str = "issued_reports"
    share_default_days: int = Field(default=30, gt=0)
    share_max_days: int = Field(default=180, gt=0)
    share_max_opens: int = Field(default=10_000, gt=0)  # the largest cap an owner may set
    shares_per_car: int = Field(default=20, gt=0)  # live links per car (listing stays short)
    # Owner actions (create/revoke) per order, and public opens/verifications per client IP.
    share_writes_per_order: int = Field(default=30, gt=0)
    share_write_window_s: int = Field(default=3600, gt=0)
    verify_rate_limit: int = Field(default=60, gt=0)
    verify_rate_window_s: int = Field(default=60, gt=0)
    verify_upload_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    # Report signing: locally an Ed25519 key from this base64 32-byte seed (a published dev
    # key: never trusted outside local); deployed, always the Cloud KMS key below (EC_SIGN_ED25519)
    # — the names infra/sharing.tf creates, so a deploy needs no extra variable.
    report_signing_local_seed: str = "Y3B0LWxvY2FsLXJlcG9ydC1zaWduaW5nLWtleS0zMmI="
    report_signing_kms_key_ring: str = "cpt-signing"
    report_signing_kms_key: str = "cpt-report-signing"
    report_signing_kms_key_version: int = Field(default=1, gt=0)  # the version that signs now
    # --- end of share and verify settings ---

    # Request limits
    max_request_bytes: int = Field(default=64 * 1024, gt=0)
    # How many proxies in front of the functions append to X-Forwarded-For: 1 for a function
    # URL (Google's front end), 2 behind the external load balancer. The client address is the
    # entry that many places from the end; entries before it are whatever the client sent.
    trusted_proxy_hops: int = Field(default=1, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _deployed_secrets_are_only_what_was_injected(cls, data: Any) -> Any:
        # Each deployed function gets only its own route's secrets (least privilege): a secret
        # it was not given is empty there, never the local default.
        if isinstance(data, dict) and data.get("environment", "local") != "local":
            for name in _SECRET_FIELDS:
                data.setdefault(name, "")
            # Not a secret, but a deployed function must be told which account calls its worker.
            data.setdefault("tasks_invoker_service_account", "")
        return data

    @model_validator(mode="after")
    def _deployed_environments_need_real_values(self) -> Settings:
        if self.environment == "local":
            return self
        defaults = Settings.model_construct()
        local_values = [
            name
            for name in _SECRET_FIELDS
            if getattr(self, name).get_secret_value() == getattr(defaults, name).get_secret_value()
        ]
        if local_values:
            raise ValueError(
                f"environment {self.environment!r} was given local development values for: "
                + ", ".join(f"CPT_{n.upper()}" for n in local_values)
            )
        if not self.wui_url.startswith("https://"):
            raise ValueError(f"environment {self.environment!r} needs an https CPT_WUI_URL")
        self._deployed_tasks_identity_is_real()
        return self

    def _deployed_tasks_identity_is_real(self) -> None:
        if self.tasks_invoker_service_account in ("", LOCAL_TASKS_INVOKER):
            raise ValueError(
                f"environment {self.environment!r} needs CPT_TASKS_INVOKER_SERVICE_ACCOUNT"
            )
        if self.tasks_oidc_certs_url != GOOGLE_OIDC_CERTS_URL:
            # Any other key set would let whoever holds its private key call the worker.
            raise ValueError(
                f"environment {self.environment!r} verifies task tokens against Google's keys "
                f"only: CPT_TASKS_OIDC_CERTS_URL must be {GOOGLE_OIDC_CERTS_URL}"
            )

    @property
    def wui_origin(self) -> str:
        """The origin CORS allows: scheme://host[:port] of the web app, no path."""
        scheme, _, rest = self.wui_url.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once per instance."""
    return Settings()
