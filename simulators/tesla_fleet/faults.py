"""Deterministic fault injection: latency, HTTP errors and 429 bursts, chosen by admin rules.

A rule matches calls by logical endpoint name (``vehicle_data``, ``token``, ...) and/or VIN.
It fires on the next ``count`` matching calls, or on every ``every_nth`` matching call, or on
every matching call when neither is given. Nothing is random, so tests can assert exact outcomes.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

FAULT_KINDS = ("error", "rate_limit", "latency")

DEFAULT_ERROR_BODIES: dict[int, str] = {
    500: "upstream internal error",
    502: "bad gateway",
    503: "upstream timeout",
    504: "gateway timeout",
    540: "vehicle responded with an error",
}


@dataclass
class FaultRule:
    id: int
    kind: str
    endpoint: str | None = None
    vin: str | None = None
    count: int | None = None  # fire on the next N matching calls, then retire
    every_nth: int | None = None  # fire on every Nth matching call, forever
    status: int = 503
    error: str | None = None  # error string for the body (defaults per status)
    retry_after_seconds: int = 60
    latency_seconds: float = 0.0
    matched_calls: int = 0
    fired: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def matches(self, endpoint: str, vin: str | None) -> bool:
        if self.endpoint is not None and self.endpoint != endpoint:
            return False
        return self.vin is None or self.vin == vin

    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count


@dataclass(frozen=True)
class FaultOutcome:
    latency_seconds: float
    failing_rule: FaultRule | None


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)

    def add(self, spec: dict[str, Any], max_latency_seconds: float) -> FaultRule:
        kind = spec.get("kind")
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {FAULT_KINDS}")
        count = _optional_positive_int(spec, "count")
        every_nth = _optional_positive_int(spec, "every_nth")
        if count is not None and every_nth is not None:
            raise ValueError("give either count or every_nth, not both")
        status = int(spec.get("status", 429 if kind == "rate_limit" else 503))
        if kind == "error" and not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        latency = float(spec.get("seconds", spec.get("latency_seconds", 0.0)))
        if kind == "latency" and not 0 < latency <= max_latency_seconds:
            raise ValueError(f"seconds must be in (0, {max_latency_seconds}]")
        with self._lock:
            rule = FaultRule(
                id=next(self._ids),
                kind=kind,
                endpoint=spec.get("endpoint"),
                vin=spec.get("vin"),
                count=count,
                every_nth=every_nth,
                status=429 if kind == "rate_limit" else status,
                error=spec.get("error"),
                retry_after_seconds=int(spec.get("retry_after", 60)),
                latency_seconds=latency,
            )
            self._rules.append(rule)
            return rule

    def evaluate(self, endpoint: str, vin: str | None) -> FaultOutcome:
        """Count this call against each matching rule; return the latency and failure to apply."""
        latency = 0.0
        failing: FaultRule | None = None
        with self._lock:
            for rule in self._rules:
                if not rule.matches(endpoint, vin):
                    continue
                rule.matched_calls += 1
                fires = rule.matched_calls % rule.every_nth == 0 if rule.every_nth else True
                if not fires:
                    continue
                if rule.kind == "latency":
                    rule.fired += 1
                    latency += rule.latency_seconds
                elif failing is None:
                    rule.fired += 1
                    failing = rule
            self._rules = [rule for rule in self._rules if not rule.exhausted()]
        return FaultOutcome(latency_seconds=latency, failing_rule=failing)

    def remove(self, rule_id: int) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [rule for rule in self._rules if rule.id != rule_id]
            return len(self._rules) != before

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._ids = itertools.count(1)

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(rule) for rule in self._rules]


def _optional_positive_int(spec: dict[str, Any], key: str) -> int | None:
    value = spec.get(key)
    if value is None:
        return None
    number = int(value)
    if number < 1:
        raise ValueError(f"{key} must be >= 1")
    return number
