"""Demo data for the local stack: buckets, webhook registrations, demo accounts to log in with."""

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
    lines = [
        f"bucket gs://{settings.reports_bucket}",
        f"Cloud Tasks queue {settings.tasks_queue} ({settings.tasks_location}) -> "
        f"{settings.worker_url}, OIDC token of {settings.tasks_invoker_service_account}",
        f"localstripe webhook -> {webhook_url}",
    ]
    authorize = f"{settings.tesla_auth_url}/authorize"
    lines += [f"Tesla demo account '{hint}': {what}" for hint, what in DEMO_ACCOUNTS.items()]
    lines.append(f"Tesla consent page: {authorize} (or pass login_hint=<account>)")
    return lines
