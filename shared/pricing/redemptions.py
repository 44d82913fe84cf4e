"""How often each voucher has been redeemed: counted in Firestore when an order is paid.

Quoting reads the count (a code at its limit is refused before payment); payment increments it
in the same commit that marks the order paid (conditional on the session as read), so a payment
is counted exactly once.
"""

from __future__ import annotations

from typing import Any

from shared.platform.clients import firestore_client
from shared.platform.settings import Settings

COLLECTION = "voucher_redemptions"


def redemption_reference(settings: Settings, code: str) -> Any:
    return firestore_client().collection(COLLECTION).document(code)


def redemptions_used(settings: Settings, code: str) -> int:
    snapshot = redemption_reference(settings, code).get()
    return int(snapshot.get("count")) if snapshot.exists else 0
