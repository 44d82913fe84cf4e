"""What the simulators' fault injection has in common: a book of admin rules, nothing random.

Each simulator (tesla_fleet, paypal, cloud_tasks) keeps its faults as rules an admin call adds,
lists and removes; tests assert exact outcomes, so a rule fires on the next ``count`` matching
calls, on every ``every_nth`` one, or on every one. ``RuleBook`` is the locked list with ids;
``CallFaultBook`` adds the per-call evaluation the HTTP simulators share (latency adds up, the
first failing rule wins); ``call_rule_fields`` validates the fields every call rule has.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Generic, Protocol, TypeVar


class _Rule(Protocol):
    id: int


R = TypeVar("R", bound=_Rule)


class RuleBook(Generic[R]):
    """The rules of one simulator, safe to use from its request threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[R] = []
        self._ids = itertools.count(1)

    def next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def append(self, rule: R) -> R:
        with self._lock:
            self._rules.append(rule)
        return rule

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
            return [asdict(rule) for rule in self._rules]  # type: ignore[call-overload]


@dataclass
class CallFaultRule:
    """A rule on calls to a logical endpoint: an HTTP error, a rate limit or added latency."""

    id: int
    kind: str
    endpoint: str | None = None
    count: int | None = None  # fire on the next N matching calls, then retire
    every_nth: int | None = None  # fire on every Nth matching call, forever
    status: int = 503
    latency_seconds: float = 0.0
    matched_calls: int = 0
    fired: int = 0

    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count


C = TypeVar("C", bound=CallFaultRule)


@dataclass(frozen=True)
class FaultOutcome(Generic[C]):
    latency_seconds: float
    failing_rule: C | None


class CallFaultBook(RuleBook[C]):
    """Call rules: each matching call is counted; latency rules add up, the first failing rule
    that fires is the one applied, and rules that have fired ``count`` times retire."""

    def evaluate_where(self, matches: Callable[[C], bool]) -> FaultOutcome[C]:
        latency = 0.0
        failing: C | None = None
        with self._lock:
            for rule in self._rules:
                if not matches(rule):
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


def call_rule_fields(
    spec: dict[str, Any],
    kinds: tuple[str, ...],
    *,
    max_latency_seconds: float,
    default_kind: str | None = None,
) -> dict[str, Any]:
    """The validated fields every call rule has (``ValueError`` names the bad one)."""
    kind = spec.get("kind", default_kind)
    if kind not in kinds:
        raise ValueError(f"kind must be one of {kinds}")
    count = optional_positive_int(spec, "count")
    every_nth = optional_positive_int(spec, "every_nth")
    if count is not None and every_nth is not None:
        raise ValueError("give either count or every_nth, not both")
    status = int(spec.get("status", 503))
    if kind == "error" and not 400 <= status <= 599:
        raise ValueError("status must be an HTTP error status (400-599)")
    latency = float(spec.get("seconds", spec.get("latency_seconds", 0.0)))
    if kind == "latency" and not 0 < latency <= max_latency_seconds:
        raise ValueError(f"seconds must be in (0, {max_latency_seconds}]")
    return {
        "kind": kind,
        "count": count,
        "every_nth": every_nth,
        "status": status,
        "latency_seconds": latency,
    }


def optional_positive_int(spec: dict[str, Any], key: str) -> int | None:
    value = spec.get(key)
    if value is None:
        return None
    number = int(value)
    if number < 1:
        raise ValueError(f"{key} must be >= 1")
    return number
