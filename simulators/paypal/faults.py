"""Deterministic fault injection, chosen by admin rules; nothing is random.

Two kinds of rules:

* :class:`FaultInjector` — transport-level faults per logical endpoint (``token``,
  ``create_order``, ``capture_order``, ...): an HTTP error in PayPal's shape or added latency,
  on the next ``count`` calls, on every ``every_nth`` call, or on every call. With
  ``after: true`` the request is carried out first and only its response is replaced by the
  error — the "timed out but the capture happened" case that PayPal-Request-Id exists for.
* :class:`CaptureOutcomes` — business outcomes of captures: ``instrument_declined`` (422),
  ``declined`` (capture created with status DECLINED), ``pending`` (capture PENDING), or
  ``completed``; for one order or for any order, once, N times or always.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import asdict, dataclass
from typing import Any

FAULT_KINDS: tuple[str, ...] = ("error", "latency")
FAULT_ENDPOINTS: tuple[str, ...] = (
    "token",
    "create_order",
    "get_order",
    "capture_order",
    "get_capture",
    "refund_capture",
    "get_refund",
    "get_dispute",
    "webhooks",
    "webhook_events",
    "verify_webhook_signature",
    "checkout",
)
CAPTURE_OUTCOMES: tuple[str, ...] = ("completed", "pending", "declined", "instrument_declined")

# HTTP status -> PayPal error name for injected failures.
STATUS_ERROR_NAMES: dict[int, str] = {
    400: "INVALID_REQUEST",
    401: "AUTHENTICATION_FAILURE",
    403: "NOT_AUTHORIZED",
    404: "RESOURCE_NOT_FOUND",
    422: "UNPROCESSABLE_ENTITY",
    429: "RATE_LIMIT_REACHED",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


@dataclass
class FaultRule:
    id: int
    kind: str
    endpoint: str | None = None
    count: int | None = None  # fire on the next N matching calls, then retire
    every_nth: int | None = None  # fire on every Nth matching call, forever
    status: int = 503
    name: str | None = None  # PayPal error name for the body (defaults per status)
    after: bool = False  # perform the request, then answer with the error
    latency_seconds: float = 0.0
    matched_calls: int = 0
    fired: int = 0

    def matches(self, endpoint: str) -> bool:
        return self.endpoint is None or self.endpoint == endpoint

    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count

    @property
    def error_name(self) -> str:
        return self.name or STATUS_ERROR_NAMES.get(self.status, "INTERNAL_SERVER_ERROR")


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
        kind = spec.get("kind", "error")
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {FAULT_KINDS}")
        endpoint = spec.get("endpoint")
        if endpoint is not None and endpoint not in FAULT_ENDPOINTS:
            raise ValueError(f"endpoint must be one of {FAULT_ENDPOINTS}")
        count = _optional_positive_int(spec, "count")
        every_nth = _optional_positive_int(spec, "every_nth")
        if count is not None and every_nth is not None:
            raise ValueError("give either count or every_nth, not both")
        status = int(spec.get("status", 503))
        if kind == "error" and not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        latency = float(spec.get("seconds", spec.get("latency_seconds", 0.0)))
        if kind == "latency" and not 0 < latency <= max_latency_seconds:
            raise ValueError(f"seconds must be in (0, {max_latency_seconds}]")
        with self._lock:
            rule = FaultRule(
                id=next(self._ids),
                kind=kind,
                endpoint=endpoint,
                count=count,
                every_nth=every_nth,
                status=status,
                name=spec.get("name"),
                after=bool(spec.get("after", False)),
                latency_seconds=latency,
            )
            self._rules.append(rule)
            return rule

    def evaluate(self, endpoint: str) -> FaultOutcome:
        """Count this call against each matching rule; return the latency and failure to apply."""
        latency = 0.0
        failing: FaultRule | None = None
        with self._lock:
            for rule in self._rules:
                if not rule.matches(endpoint):
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


@dataclass
class CaptureOutcomeRule:
    id: int
    outcome: str
    order_id: str | None = None  # None: any order
    remaining: int | None = 1  # None: always
    applied: int = 0


class CaptureOutcomes:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[CaptureOutcomeRule] = []
        self._ids = itertools.count(1)

    def add(self, spec: dict[str, Any]) -> CaptureOutcomeRule:
        outcome = spec.get("outcome")
        if outcome not in CAPTURE_OUTCOMES:
            raise ValueError(f"outcome must be one of {CAPTURE_OUTCOMES}")
        remaining = None if spec.get("always") else _optional_positive_int(spec, "count") or 1
        with self._lock:
            rule = CaptureOutcomeRule(
                id=next(self._ids),
                outcome=outcome,
                order_id=spec.get("order_id"),
                remaining=remaining,
            )
            self._rules.append(rule)
            return rule

    def next_outcome(self, order_id: str) -> str:
        """The outcome for this capture attempt; order-specific rules win over global ones."""
        with self._lock:
            ordered = sorted(self._rules, key=lambda rule: rule.order_id is None)
            for rule in ordered:
                if rule.order_id not in (None, order_id):
                    continue
                rule.applied += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._rules.remove(rule)
                return rule.outcome
        return "completed"

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
