"""A typed record of the Fleet API calls made for an order, so its manifest can show cost per car.

One ``TeslaCall`` is one logical call (one endpoint for one purpose) with the status of every
HTTP attempt it took: retries of 5xx and 429, and the 421 the client answered by moving region,
are attempts of the same call. Cost follows Tesla's rule: every attempt answered below 500 is
billed at the endpoint's category price (``billing.py``); 5xx and network failures are not.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shared.tesla.billing import (
    BillingCategory,
    category_of,
    is_billed,
    micro_usd_to_usd,
    price_micro_usd,
)


@dataclass(frozen=True)
class TeslaCall:
    """One logical Fleet API call. ``vin`` is None for account-level calls (charging history)."""

    endpoint: str  # logical name, as the simulator's ledger names it: vehicle_data, wake_up, …
    method: str
    vin: str | None
    statuses: tuple[int | None, ...]  # one per HTTP attempt, in order; None = no answer

    @property
    def category(self) -> BillingCategory:
        return category_of(self.endpoint)

    @property
    def attempts(self) -> int:
        return len(self.statuses)

    @property
    def status(self) -> int | None:
        """The status of the last attempt: what the call finally got."""
        return self.statuses[-1] if self.statuses else None

    @property
    def billed_attempts(self) -> int:
        return sum(1 for status in self.statuses if is_billed(status))

    @property
    def cost_micro_usd(self) -> int:
        return self.billed_attempts * price_micro_usd(self.category)

    def as_manifest(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "method": self.method,
            "vin": self.vin,
            "status": self.status,
            "statuses": list(self.statuses),
            "attempts": self.attempts,
            "category": str(self.category),
            "billed_attempts": self.billed_attempts,
            "cost_micro_usd": self.cost_micro_usd,
        }


@dataclass(frozen=True)
class CallSummary:
    """Billed calls and cost of a group of calls (one car, or the order's account-level calls)."""

    calls: int
    attempts: int
    billed_calls: int  # HTTP attempts Tesla bills (answered < 500), free category included
    paid_calls: int  # the billed attempts that cost money (not in the free category)
    cost_micro_usd: int
    billed_by_category: dict[str, int]

    @property
    def cost_usd(self) -> str:
        return micro_usd_to_usd(self.cost_micro_usd)

    @classmethod
    def of(cls, calls: Iterable[TeslaCall]) -> CallSummary:
        selected = list(calls)
        by_category: Counter[str] = Counter()
        for call in selected:
            if call.billed_attempts:
                by_category[str(call.category)] += call.billed_attempts
        return cls(
            calls=len(selected),
            attempts=sum(call.attempts for call in selected),
            billed_calls=sum(call.billed_attempts for call in selected),
            paid_calls=sum(
                call.billed_attempts
                for call in selected
                if call.category is not BillingCategory.FREE
            ),
            cost_micro_usd=sum(call.cost_micro_usd for call in selected),
            billed_by_category=dict(by_category),
        )


class CallLog:
    """Collects ``TeslaCall`` records from any number of worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[TeslaCall] = []

    def record(self, call: TeslaCall) -> None:
        with self._lock:
            self._calls.append(call)

    @property
    def calls(self) -> tuple[TeslaCall, ...]:
        with self._lock:
            return tuple(self._calls)

    def for_vin(self, vin: str | None) -> tuple[TeslaCall, ...]:
        """One car's calls; ``None`` selects the account-level calls."""
        wanted = vin.upper() if vin else None
        return tuple(call for call in self.calls if call.vin == wanted)

    def summary(self, vin: str | None = None, *, everything: bool = False) -> CallSummary:
        return CallSummary.of(self.calls if everything else self.for_vin(vin))

    def per_endpoint(self) -> dict[str, CallSummary]:
        """A summary per logical endpoint over every call (the ``tesla_calls`` signals)."""
        calls = self.calls
        endpoints = dict.fromkeys(call.endpoint for call in calls)
        return {
            endpoint: CallSummary.of(call for call in calls if call.endpoint == endpoint)
            for endpoint in endpoints
        }

    def per_vin(self) -> dict[str | None, CallSummary]:
        """A summary per car, plus ``None`` for account-level calls when there were any."""
        keys = dict.fromkeys(call.vin for call in self.calls)
        return {key: self.summary(key) for key in keys}
