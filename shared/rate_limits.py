"""Abuse limits shared by every instance: fixed-window counters in Firestore.

The original product limited requests in memory, per instance — an attacker simply got more
instances. Here each (limit name, client, window) is one Firestore document incremented in a
transaction, so every instance counts against the same number. Client addresses are hashed
before they are stored. Documents carry ``expires_at`` for a TTL policy.
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime, timedelta
from typing import Any

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
    retry_after_s = max(1, math.ceil(window_start + window_s - now.timestamp()))

    @firestore.transactional
    def count(transaction: firestore.Transaction) -> int:
        snapshot = reference.get(transaction=transaction)
        used = int(snapshot.get("count")) if snapshot.exists else 0
        if used >= limit:
            raise errors.TooManyRequests(
                "Too many requests. Please wait and try again.", retry_after_s=retry_after_s
            )
        document: dict[str, Any] = {
            "name": name,
            "count": used + 1,
            "expires_at": datetime.fromtimestamp(window_start + window_s, UTC)
            + timedelta(minutes=5),
        }
        transaction.set(reference, document)
        return used + 1

    return count(firestore_client().transaction())
