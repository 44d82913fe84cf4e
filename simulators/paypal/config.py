"""Simulator configuration; every default mirrors PayPal as far as the reference knows."""

from __future__ import annotations

from dataclasses import dataclass, field

# Decimal places per currency. PayPal rejects decimals for the zero-decimal currencies
# (HUF, JPY, TWD); the list is the subset of PayPal's supported currencies we may meet.
DEFAULT_CURRENCY_DECIMALS: dict[str, int] = {
    "EUR": 2,
    "USD": 2,
    "GBP": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "CZK": 2,
    "CHF": 2,
    "AUD": 2,
    "CAD": 2,
    "HUF": 0,
    "JPY": 0,
    "TWD": 0,
}

# Fixed part of the seller fee per currency (illustrative, UNVERIFIED: PayPal's fees vary by
# country and contract). Used only for seller_receivable_breakdown.
DEFAULT_FEE_FIXED: dict[str, str] = {"EUR": "0.35", "USD": "0.49", "GBP": "0.30"}

DELIVERY_MODES: tuple[str, ...] = ("background", "after_response", "inline")
IDEMPOTENCY_MISMATCH_MODES: tuple[str, ...] = ("replay", "error")


@dataclass
class PayPalSimulatorConfig:
    # --- the one REST app (developer dashboard credentials) -------------------------------------
    client_id: str = "cpt-local-paypal"
    client_secret: str = "cpt-local-paypal-secret"
    app_id: str = "APP-80W284485P519543T"
    access_token_ttl_seconds: int = 32_400  # 9 h, PayPal's usual expires_in
    # PayPal hands out the same token again until it expires, with a shrinking expires_in.
    reuse_access_token: bool = True

    # --- merchant (payee) and the one sandbox buyer ---------------------------------------------
    merchant_id: str = "CPTLOCALMERCH"
    merchant_email: str = "merchant@carpulsetracker.example"
    buyer_payer_id: str = "CPTLOCALBUYER"
    buyer_email: str = "buyer@example.com"
    buyer_given_name: str = "Test"
    buyer_surname: str = "Buyer"
    buyer_country_code: str = "FI"

    # --- orders -------------------------------------------------------------------------------
    currency_decimals: dict[str, int] = field(
        default_factory=lambda: dict(DEFAULT_CURRENCY_DECIMALS)
    )
    # PayPal itself accepts "30" and "29.9"; strict mode demands exactly the currency's
    # decimals ("29.90") so a sloppy formatter in our backend fails loudly here.
    strict_amount_format: bool = True
    approval_window_seconds: int = 3 * 3600  # "default 3 hours to complete" payer approval
    capture_window_seconds: int = 3 * 3600  # approved but uncaptured: reversed and voided
    request_id_retention_seconds: int = 6 * 3600  # PayPal keeps PayPal-Request-Id 6 h
    # Same PayPal-Request-Id with a different body: PayPal returns the earlier result ("replay");
    # "error" answers 422 PAYPAL_REQUEST_ID_PREVIOUSLY_USED instead.
    idempotency_mismatch: str = "replay"
    # The merchant setting "block accidental payments": a second capture with a used invoice_id
    # fails with DUPLICATE_INVOICE_ID.
    block_duplicate_invoice_id: bool = True
    fee_percent: str = "3.49"
    fee_fixed: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_FEE_FIXED))
    pending_reason: str = "PENDING_REVIEW"

    # --- webhooks -----------------------------------------------------------------------------
    webhook_id: str = "WH-LOCAL"  # pre-registered, subscribed to every event type
    webhook_urls: list[str] = field(default_factory=list)  # where WH-LOCAL delivers
    webhook_delivery: str = "background"  # background | after_response | inline
    webhook_timeout_seconds: float = 10.0
    webhook_max_retries: int = 25  # "retry each delivery up to 25 times over 3 days"
    max_webhooks: int = 10  # per app, like PayPal

    # --- environment ----------------------------------------------------------------------------
    public_url: str | None = None  # root to advertise in links; None: each request's host
    freeze_clock: bool = False
    max_injected_latency_seconds: float = 30.0


# Settings an admin may change at runtime through POST /admin/settings (restored on reset).
RUNTIME_SETTINGS: tuple[str, ...] = (
    "access_token_ttl_seconds",
    "reuse_access_token",
    "strict_amount_format",
    "approval_window_seconds",
    "capture_window_seconds",
    "request_id_retention_seconds",
    "idempotency_mismatch",
    "block_duplicate_invoice_id",
    "fee_percent",
    "pending_reason",
    "webhook_delivery",
    "webhook_timeout_seconds",
    "webhook_max_retries",
)
