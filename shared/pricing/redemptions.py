"""How often each voucher has been redeemed: counted in Firestore when an order is paid.

Quoting reads the count (a code at its limit is refused before payment). Settlement reads it
again and writes count + 1 in the same commit that marks the order paid, on condition that the
counter is still as read (``Counter.update_time``): of two buyers paying for the last use at the
same time, one commit fails, is re-decided on a fresh count, and that payment is refunded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.platform.clients import firestore_client
from shared.platform.settings import Settings

COLLECTION = "voucher_redemptions"


@dataclass(frozen=True)
class Counter:
    """A voucher's redemption count as read, and the version of its document (None: none yet)."""

    code: str
    count: int
    limit: int | None  # the voucher's max_redemptions; None: unlimited (or no longer defined)
    update_time: datetime | None

    @property
    def used_up(self) -> bool:
        return self.limit is not None and self.count >= self.limit


def redemption_reference(settings: Settings, code: str) -> Any:
    return firestore_client().collection(COLLECTION).document(code)


def redemptions_used(settings: Settings, code: str) -> int:
    snapshot = redemption_reference(settings, code).get()
    return int(snapshot.get("count")) if snapshot.exists else 0


def voucher_limit(settings: Settings, code: str) -> int | None:
    """The voucher's ``max_redemptions`` (None: unlimited or unknown). The one place settlement
    learns a voucher's definition, whatever stores it."""
    from shared.pricing.book import current_voucher

    voucher = current_voucher(settings, code)  # as stored now, not the instance's cached copy
    return voucher.max_redemptions if voucher is not None else None


def read_counter(settings: Settings, code: str) -> Counter:
    snapshot = redemption_reference(settings, code).get()
    return Counter(
        code=code,
        count=int(snapshot.get("count")) if snapshot.exists else 0,
        limit=voucher_limit(settings, code),
        update_time=snapshot.update_time if snapshot.exists else None,
    )
