"""Deterministic fault injection: latency, HTTP errors and 429 bursts, chosen by admin rules.

A rule matches calls by logical endpoint name (``vehicle_data``, ``token``, ...) and/or VIN.
It fires on the next ``count`` matching calls, or on every ``every_nth`` matching call, or on
every matching call when neither is given. Nothing is random, so tests can assert exact outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulators.faults import CallFaultBook, CallFaultRule, FaultOutcome, call_rule_fields

FAULT_KINDS = ("error", "rate_limit", "latency")

DEFAULT_ERROR_BODIES: dict[int, str] = {
    500: "upstream internal error",
    502: "bad gateway",
    503: "upstream timeout",
    504: "gateway timeout",
    540: "vehicle responded with an error",
}


@dataclass
class FaultRule(CallFaultRule):
    vin: str | None = None
    error: str | None = None  # error string for the body (defaults per status)
    retry_after_seconds: int = 60
    extra: dict[str, Any] = field(default_factory=dict)

    def matches(self, endpoint: str, vin: str | None) -> bool:
        if self.endpoint is not None and self.endpoint != endpoint:
            return False
        return self.vin is None or self.vin == vin


class FaultInjector(CallFaultBook[FaultRule]):
    def add(self, spec: dict[str, Any], max_latency_seconds: float) -> FaultRule:
        common = call_rule_fields(spec, FAULT_KINDS, max_latency_seconds=max_latency_seconds)
        if common["kind"] == "rate_limit":
            common["status"] = 429
        return self.append(
            FaultRule(
                id=self.next_id(),
                endpoint=spec.get("endpoint"),
                vin=spec.get("vin"),
                error=spec.get("error"),
                retry_after_seconds=int(spec.get("retry_after", 60)),
                **common,
            )
        )

    def evaluate(self, endpoint: str, vin: str | None) -> FaultOutcome[FaultRule]:
        """Count this call against each matching rule; return the latency and failure to apply."""
        return self.evaluate_where(lambda rule: rule.matches(endpoint, vin))
