"""The order manifest: ``{order_id}/order.json`` in the reports bucket, written once.

It snapshots everything support needs for a re-send or a chargeback, whatever the provider:
the payment, the frozen quote (tier, voucher, VAT) and the cars (VINs masked). It is keyed by
the opaque order id — never the session id, which is a bearer token. ``if_generation_match=0``
makes the write create-only: a retried webhook cannot overwrite or duplicate it.
"""

from __future__ import annotations

import json
from typing import Any

from shared.orders.sessions import OrderSession
from shared.platform.clients import storage_client
from shared.platform.settings import Settings

MANIFEST_VERSION = 1


def manifest_path(order_id: str) -> str:
    return f"{order_id}/order.json"


def receipt_path(order_id: str) -> str:
    """The receipt PDF beside the manifest (written once after payment)."""
    return f"{order_id}/receipt.pdf"


def build_manifest(session: OrderSession) -> dict[str, Any]:
    payment, quote = session.payment, session.quote
    frozen_quote = quote.frozen() if quote else {}
    return {
        "manifest_version": MANIFEST_VERSION,
        "order_id": session.order_id,
        "payment_id": payment.payment_id if payment else None,
        "payment_method": payment.method if payment else None,
        "payment_provider": payment.provider if payment else None,
        "package": session.selected_package,
        "vehicle_count": len(session.selected_vehicle_ids),
        "vehicles": [vehicle.shown() for vehicle in session.selected_vehicles],
        "amount_cents": frozen_quote.get("total_cents"),
        "vat_cents": frozen_quote.get("vat_cents"),
        "voucher": frozen_quote.get("voucher"),
        "currency": frozen_quote.get("currency"),
        "quote": frozen_quote,
        "language": session.language,
        "created_at": (session.paid_at or session.updated_at).isoformat(),
    }


def write_manifest(settings: Settings, session: OrderSession) -> bool:
    """Create the manifest; False when it already exists (a retry). Never overwrites."""
    from google.api_core.exceptions import PreconditionFailed

    blob = storage_client().bucket(settings.reports_bucket).blob(manifest_path(session.order_id))
    body = json.dumps(build_manifest(session), indent=2, sort_keys=True, default=str)
    try:
        blob.upload_from_string(body, content_type="application/json", if_generation_match=0)
    except PreconditionFailed:
        return False
    return True


def read_manifest(settings: Settings, order_id: str) -> dict[str, Any] | None:
    blob = storage_client().bucket(settings.reports_bucket).blob(manifest_path(order_id))
    if not blob.exists():
        return None
    manifest: dict[str, Any] = json.loads(blob.download_as_bytes())
    return manifest
