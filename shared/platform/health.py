"""Readiness checks of the services a function depends on."""

from __future__ import annotations

import logging
import time
from typing import Any

from shared.platform.clients import firestore_client

logger = logging.getLogger(__name__)


def check_firestore() -> dict[str, Any]:
    """One document read; returns ``{ok, latency_ms}``. Never raises."""
    started = time.perf_counter()
    try:
        # No retries: a health check must answer quickly, not wait out the default backoff.
        firestore_client().collection("health").document("ping").get(retry=None, timeout=3)
    except Exception as error:  # any failure means "not ready"; the reason goes to the log only
        logger.warning("firestore check failed: %s", type(error).__name__)
        return {"ok": False}
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}
