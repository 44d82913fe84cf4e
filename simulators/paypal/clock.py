"""PayPal's timestamp formats (the simulated clock itself is ``simulators.clock``)."""

from __future__ import annotations

from datetime import UTC, datetime


def paypal_time(timestamp: float) -> str:
    """PayPal's resource timestamps: UTC, whole seconds, ``Z`` (``2026-11-01T10:00:00Z``)."""
    return datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def paypal_event_time(timestamp: float) -> str:
    """Webhook event ``create_time`` carries milliseconds (``2026-11-01T10:00:00.123Z``)."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
