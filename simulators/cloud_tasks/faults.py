"""Delivery faults, chosen by admin rules; nothing is random.

Kinds (each applies to one delivery of a task, i.e. one attempt):

* ``drop`` — the request is never sent; the attempt counts as failed (UNAVAILABLE) and is
  retried on the queue's schedule, as when Cloud Tasks cannot reach the target.
* ``duplicate`` — the same request (same headers, same token) is sent twice, the copy
  ``seconds`` after the original (0: at once, concurrently). The attempt's outcome is the
  original's; the copy's answer is recorded and ignored — Cloud Tasks' rare double delivery.
* ``delay`` — the request leaves ``seconds`` (real time) late; the dispatch deadline keeps
  running meanwhile, so a long delay ends as DEADLINE_EXCEEDED without sending anything.
* ``kill`` — the request is sent, then the connection is closed ``seconds`` later without
  reading the response: the target does the work but the attempt counts as failed and is
  retried (a lost response, an instance killed mid-request from Cloud Tasks' side).

A rule matches by task (id or full name) and/or queue (id or full name), or every delivery; it
fires on the next ``count`` matching deliveries (default 1), or on every one with
``always: true``. The first matching rule wins.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from simulators.faults import RuleBook

from .names import TaskName

FAULT_KINDS = ("drop", "duplicate", "delay", "kill")
MAX_FAULT_SECONDS = 3_600.0


@dataclass
class FaultRule:
    id: int
    kind: str
    task: str | None = None
    queue: str | None = None
    count: int = 1
    always: bool = False
    seconds: float = 0.0
    fired: int = 0

    def matches(self, name: TaskName) -> bool:
        if self.task is not None and self.task not in (name.task_id, name.full):
            return False
        if self.queue is None:
            return True
        return self.queue in (name.queue, name.queue.rsplit("/", 1)[-1])

    @property
    def exhausted(self) -> bool:
        return not self.always and self.fired >= self.count


def _parse_rule(rule_id: int, body: dict[str, Any]) -> FaultRule:
    kind = body.get("kind")
    if kind not in FAULT_KINDS:
        raise ValueError(f"kind must be one of {FAULT_KINDS}")
    unknown = sorted(set(body) - {"kind", "task", "queue", "count", "always", "seconds"})
    if unknown:
        raise ValueError(f"unknown fields {unknown}")
    count = int(body.get("count", 1))
    seconds = float(body.get("seconds", 0.0))
    if count < 1:
        raise ValueError("count must be >= 1")
    if not 0 <= seconds <= MAX_FAULT_SECONDS:
        raise ValueError(f"seconds must be in [0, {MAX_FAULT_SECONDS}]")
    task, queue = body.get("task"), body.get("queue")
    return FaultRule(
        id=rule_id,
        kind=kind,
        task=str(task) if task else None,
        queue=str(queue) if queue else None,
        count=count,
        always=bool(body.get("always", False)),
        seconds=seconds,
    )


class FaultBook(RuleBook[FaultRule]):
    def add(self, body: dict[str, Any]) -> FaultRule:
        return self.append(_parse_rule(self.next_id(), body))

    def take(self, name: TaskName) -> dict[str, Any] | None:
        """The fault for the next delivery of this task, if any rule matches (and count it)."""
        with self._lock:
            for rule in self._rules:
                if not rule.exhausted and rule.matches(name):
                    rule.fired += 1
                    return {"id": rule.id, "kind": rule.kind, "seconds": rule.seconds}
        return None

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(rule) | {"exhausted": rule.exhausted} for rule in self._rules]
