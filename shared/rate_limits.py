"""Abuse limits shared by every instance: fixed-window counters in Firestore.

The original product limited requests in memory, per instance — an attacker simply got more
instances. Here each (limit name, client, window) is one Firestore document bumped with an
atomic server-side increment whose result comes back in the same write: one RPC, no
transaction to retry under contention (a flood from one address hits one document hard), and
every instance counts against the same number. Refused requests count too, which only makes a
flood wait longer. Client addresses are hashed before they are stored; documents carry
``expires_at`` for a TTL policy.
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime, timedelta

from shared import errors
from shared.clients import firestore_client
from shared.settings import Settings


def enforce(
    settings: Settings,
    *,
    name: str,
    client: str,
    limit: int,
    window_s: int,
    now: datetime | None = None,
) -> int:
    """Count one request of ``client`` against ``name``; 429 once ``limit`` is used up.

    Returns the number of requests counted in the current window (this one included).
    """
    from google.cloud import firestore

    now = now or datetime.now(UTC)
    window_start = math.floor(now.timestamp() / window_s) * window_s
    digest = hashlib.sha256(f"{name}|{client}|{window_start}".encode()).hexdigest()
    reference = firestore_client().collection(settings.rate_limits_collection).document(digest)
    result = reference.set(
        {
            "name": name,
            "count": firestore.Increment(1),
            "expires_at": datetime.fromtimestamp(window_start + window_s, UTC)
            + timedelta(minutes=5),
        },
        merge=True,
    )
    counted = int(result.transform_results[0].integer_value)
    if counted > limit:
        retry_after_s = max(1, math.ceil(window_start + window_s - now.timestamp()))
        raise errors.TooManyRequests(
            "Too many requests. Please wait and try again.", retry_after_s=retry_after_s
        )
    return counted
