"""The billing ledger: one entry per Fleet API response, priced the way Tesla bills.

Tesla bills every response with a status below 500 (401, 403, 408 and 429 included) and never
bills 5xx. Costs are integer micro-dollars so that sums are exact.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

MICRO_USD_PER_USD = 1_000_000


def micro_usd_to_str(amount: int) -> str:
    """Exact decimal dollars, e.g. 14000 -> '0.014000'."""
    return str((Decimal(amount) / MICRO_USD_PER_USD).quantize(Decimal("0.000001")))


@dataclass(frozen=True)
class LedgerEntry:
    seq: int
    at: float  # simulated epoch seconds
    method: str
    path: str
    region: str
    endpoint: str
    category: str
    status: int
    billed: bool
    cost_micro_usd: int
    vin: str | None
    account: str | None
    client_id: str | None
    token_type: str | None = None  # "user", "partner" (client_credentials) or None: no token


class Ledger:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LedgerEntry] = []

    def record(self, **fields: Any) -> LedgerEntry:
        with self._lock:
            entry = LedgerEntry(seq=len(self._entries) + 1, **fields)
            self._entries.append(entry)
            return entry

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()

    def entries(
        self, *, vin: str | None = None, account: str | None = None, endpoint: str | None = None
    ) -> list[LedgerEntry]:
        with self._lock:
            selected = list(self._entries)
        if vin is not None:
            selected = [e for e in selected if e.vin == vin]
        if account is not None:
            selected = [e for e in selected if e.account == account]
        if endpoint is not None:
            selected = [e for e in selected if e.endpoint == endpoint]
        return selected

    def summary(self, entries: list[LedgerEntry], include_entries: bool = True) -> dict[str, Any]:
        by_category: dict[str, dict[str, int]] = defaultdict(
            lambda: {"calls": 0, "cost_micro_usd": 0}
        )
        by_endpoint: dict[str, dict[str, int]] = defaultdict(
            lambda: {"calls": 0, "cost_micro_usd": 0}
        )
        by_status: dict[str, int] = defaultdict(int)
        billed = [e for e in entries if e.billed]
        for entry in billed:
            for bucket in (by_category[entry.category], by_endpoint[entry.endpoint]):
                bucket["calls"] += 1
                bucket["cost_micro_usd"] += entry.cost_micro_usd
        for entry in entries:
            by_status[str(entry.status)] += 1
        total = sum(e.cost_micro_usd for e in billed)
        summary: dict[str, Any] = {
            "total_calls": len(entries),
            "billed_calls": len(billed),
            "unbilled_calls": len(entries) - len(billed),
            "total_cost_micro_usd": total,
            "total_cost_usd": micro_usd_to_str(total),
            "by_category": dict(by_category),
            "by_endpoint": dict(by_endpoint),
            "by_status": dict(by_status),
        }
        if include_entries:
            summary["entries"] = [asdict(e) for e in entries]
        return summary
