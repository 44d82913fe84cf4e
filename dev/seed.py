"""Demo data for the local stack: buckets, webhook registrations, demo accounts to log in with,
and the commerce data (price book, vouchers, seller) from the local seed files in ``config/``."""

from __future__ import annotations

from dev.localcloud import ensure_bucket, register_stripe_webhook
from shared.platform.settings import Settings

# Login hints of the Tesla simulator's demo accounts (simulators/tesla_fleet/README.md).
DEMO_ACCOUNTS = {
    "solo": "one Model 3, online",
    "family": "a Model 3 online and a Model Y asleep",
    "fleet": "12 mixed cars in the EU region",
    "na": "an account in the North America region",
    "empty": "an account with no cars",
}


def seed_demo_data(settings: Settings, stripe_api_base: str) -> list[str]:
    """Create what a fresh local cloud lacks; returns one line per thing seeded."""
    ensure_bucket(settings.reports_bucket)
    webhook_url = f"{settings.tesla_redirect_uri.split('/api/v1/', 1)[0]}/api/v1/payment/verify"
    register_stripe_webhook(
        stripe_api_base,
        name="cpt-local",
        url=webhook_url,
        secret=settings.stripe_webhook_secret.get_secret_value(),
    )
    lines = seed_commerce(settings)
    lines += [
        f"bucket gs://{settings.reports_bucket}",
        f"Cloud Tasks queue {settings.tasks_queue} ({settings.tasks_location}) -> "
        f"{settings.worker_url}, OIDC token of {settings.tasks_invoker_service_account}",
        f"localstripe webhook -> {webhook_url}",
    ]
    authorize = f"{settings.tesla_auth_url}/authorize"
    lines += [f"Tesla demo account '{hint}': {what}" for hint, what in DEMO_ACCOUNTS.items()]
    lines.append(f"Tesla consent page: {authorize} (or pass login_hint=<account>)")
    return lines


def seed_commerce(settings: Settings) -> list[str]:
    """Load config/ into the emulator: only what it lacks, so local admin changes survive."""
    import json
    from decimal import Decimal

    from shared.pricing.book import (
        local_price_book,
        publish_price_book,
        put_voucher,
        read_price_book,
        read_seller_data,
        set_seller,
        voucher_ref,
    )
    from shared.pricing.vouchers import parse_vouchers_json
    from shared.receipts.seller import load_seller, seller_data

    by = "make up (config/ seed)"
    lines = []
    if read_price_book(settings) is None:
        version = publish_price_book(settings, local_price_book(settings), by=by)
        lines.append(f"price book v{version} from {settings.price_book_path.name}")
    if read_seller_data(settings) is None:
        set_seller(settings, seller_data(load_seller(settings.seller_path)), by=by)
        lines.append(f"seller identity (placeholder) from {settings.seller_path.name}")
    text = settings.vouchers_path.read_text(encoding="utf-8")
    parse_vouchers_json(text, source=str(settings.vouchers_path))  # refuse a broken file first
    for code, entry in json.loads(text, parse_float=Decimal).items():
        if not voucher_ref(settings, code).get().exists:
            put_voucher(settings, code, entry, by=by)
            lines.append(f"voucher {code} (local demo)")
    return lines
