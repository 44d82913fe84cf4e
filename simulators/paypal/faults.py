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

from dataclasses import dataclass
from typing import Any

from simulators.faults import (
    CallFaultBook,
    CallFaultRule,
    FaultOutcome,
    RuleBook,
    call_rule_fields,
    optional_positive_int,
)

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
class FaultRule(CallFaultRule):
    name: str | None = None  # PayPal error name for the body (defaults per status)
    after: bool = False  # perform the request, then answer with the error

    def matches(self, endpoint: str) -> bool:
        return self.endpoint is None or self.endpoint == endpoint

    @property
    def error_name(self) -> str:
        return self.name or STATUS_ERROR_NAMES.get(self.status, "INTERNAL_SERVER_ERROR")


class FaultInjector(CallFaultBook[FaultRule]):
    def add(self, spec: dict[str, Any], max_latency_seconds: float) -> FaultRule:
        common = call_rule_fields(
            spec, FAULT_KINDS, max_latency_seconds=max_latency_seconds, default_kind="error"
        )
        endpoint = spec.get("endpoint")
        if endpoint is not None and endpoint not in FAULT_ENDPOINTS:
            raise ValueError(f"endpoint must be one of {FAULT_ENDPOINTS}")
        return self.append(
            FaultRule(
                id=self.next_id(),
                endpoint=endpoint,
                name=spec.get("name"),
                after=bool(spec.get("after", False)),
                **common,
            )
        )

    def evaluate(self, endpoint: str) -> FaultOutcome[FaultRule]:
        """Count this call against each matching rule; return the latency and failure to apply."""
        return self.evaluate_where(lambda rule: rule.matches(endpoint))


@dataclass
class CaptureOutcomeRule:
    id: int
    outcome: str
    order_id: str | None = None  # None: any order
    remaining: int | None = 1  # None: always
    applied: int = 0


class CaptureOutcomes(RuleBook[CaptureOutcomeRule]):
    def add(self, spec: dict[str, Any]) -> CaptureOutcomeRule:
        outcome = spec.get("outcome")
        if outcome not in CAPTURE_OUTCOMES:
            raise ValueError(f"outcome must be one of {CAPTURE_OUTCOMES}")
        remaining = None if spec.get("always") else optional_positive_int(spec, "count") or 1
        return self.append(
            CaptureOutcomeRule(
                id=self.next_id(),
                outcome=outcome,
                order_id=spec.get("order_id"),
                remaining=remaining,
            )
        )

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
