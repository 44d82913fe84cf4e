"""Abuse limits shared by every instance: fixed-window counters in Firestore.

The original product limited requests in memory, per instance — an attacker simply got more
instances. Here each (limit name, client, window) is one Firestore document bumped with an
atomic server-side increment whose result comes back in the same write: one RPC, no
transaction to retry under contention (a flood from one address hits one document hard), and
every instance counts against the same number. Refused requests count too, which only makes a
flood wait longer. Client keys are hashed before they are stored; documents carry
``expires_at`` for a TTL policy.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from shared.platform import errors
from shared.platform.clients import firestore_client
from shared.platform.settings import Settings

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference

TOO_MANY = "Too many requests. Please wait and try again."


@dataclass(frozen=True)
class Window:
    """One client's counter for one limit in the current fixed window."""

    reference: DocumentReference
    ends_at: float

    @classmethod
    def of(cls, settings: Settings, name: str, client: str, window_s: int, now: datetime) -> Window:
        start = math.floor(now.timestamp() / window_s) * window_s
        digest = hashlib.sha256(f"{name}|{client}|{start}".encode()).hexdigest()
        collection = firestore_client().collection(settings.rate_limits_collection)
        return cls(collection.document(digest), start + window_s)

    def retry_after_s(self, now: datetime) -> int:
        return max(1, math.ceil(self.ends_at - now.timestamp()))


def increment(
    settings: Settings, *, name: str, client: str, window_s: int, now: datetime | None = None
) -> tuple[int, Window]:
    """Count one event; returns the count in the current window (this one included)."""
    from google.cloud import firestore

    now = now or datetime.now(UTC)
    window = Window.of(settings, name, client, window_s, now)
    result = window.reference.set(
        {
            "name": name,
            "count": firestore.Increment(1),
            "expires_at": datetime.fromtimestamp(window.ends_at, UTC) + timedelta(minutes=5),
        },
        merge=True,
    )
    return int(result.transform_results[0].integer_value), window


def current(
    settings: Settings, *, name: str, client: str, window_s: int, now: datetime | None = None
) -> tuple[int, Window]:
    """The count so far in the current window, without counting."""
    now = now or datetime.now(UTC)
    window = Window.of(settings, name, client, window_s, now)
    snapshot = window.reference.get()
    return (int(snapshot.get("count")) if snapshot.exists else 0), window


def enforce(
    settings: Settings,
    *,
    name: str,
    client: str,
    limit: int,
    window_s: int,
    now: datetime | None = None,
) -> int:
    """Count one request of ``client`` against ``name``; 429 once ``limit`` is used up."""
    now = now or datetime.now(UTC)
    counted, window = increment(settings, name=name, client=client, window_s=window_s, now=now)
    if counted > limit:
        raise errors.TooManyRequests(TOO_MANY, retry_after_s=window.retry_after_s(now))
    return counted


def refuse_if_used_up(
    settings: Settings,
    *,
    name: str,
    client: str,
    limit: int,
    window_s: int,
    now: datetime | None = None,
) -> None:
    """429 if ``client`` already used up ``limit`` (for caps counted only on failures)."""
    now = now or datetime.now(UTC)
    used, window = current(settings, name=name, client=client, window_s=window_s, now=now)
    if used >= limit:
        raise errors.TooManyRequests(TOO_MANY, retry_after_s=window.retry_after_s(now))
