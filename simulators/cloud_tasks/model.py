"""The emulator's records of queues, tasks and attempts (plain Python; protobuf lives in views)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .backoff import RetryPolicy
from .names import TaskName, queue_id

# Task states. Live: scheduled (waiting for its schedule_time) and dispatched (an attempt in
# flight). Finished: succeeded (2xx), failed (retries exhausted), deleted (DeleteTask),
# purged (PurgeQueue / DeleteQueue), expired (older than the 31-day retention).
LIVE_STATES = ("scheduled", "dispatched")
FINISHED_STATES = ("succeeded", "failed", "deleted", "purged", "expired")

# Attempt outcomes. in_flight until the response (or its absence) is known.
OUTCOMES = (
    "in_flight",
    "ok",  # 2xx
    "http_error",  # any other status
    "deadline_exceeded",  # no response within the dispatch deadline
    "connection_error",  # refused, reset, closed by the target
    "dropped",  # fault: never sent
    "killed",  # fault: connection closed after sending, before the response
    "abandoned",  # the task was deleted or purged while this attempt was in flight
)


@dataclass
class TokenBucket:
    """max_dispatches_per_second as a token bucket of max_burst_size tokens (RateLimits docs)."""

    rate: float
    capacity: int
    tokens: float
    updated_at: float

    def refill(self, now: float) -> None:
        if now > self.updated_at:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated_at) * self.rate)
        self.updated_at = max(self.updated_at, now)

    def take(self, now: float) -> bool:
        self.refill(now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def seconds_to_next(self, now: float) -> float:
        self.refill(now)
        if self.tokens >= 1.0 or self.rate <= 0:
            return 0.0
        return (1.0 - self.tokens) / self.rate


def burst_size(rate: float) -> int:
    """Output-only max_burst_size: "generally at least equal to max_dispatches_per_second"
    (UNVERIFIED: exactly ceil(rate), at least 1)."""
    return max(1, math.ceil(rate))


@dataclass
class QueueRecord:
    name: str
    pb: Any  # google.cloud.tasks.v2.Queue (raw protobuf), defaults filled in
    bucket: TokenBucket
    tasks: dict[str, TaskRecord] = field(default_factory=dict)  # live tasks by full name
    in_flight: int = 0

    @property
    def queue_id(self) -> str:
        return queue_id(self.name)

    @property
    def running(self) -> bool:
        return int(self.pb.state) == 1  # Queue.State.RUNNING

    @property
    def max_concurrent(self) -> int:
        return int(self.pb.rate_limits.max_concurrent_dispatches)

    def retry_policy(self) -> RetryPolicy:
        return retry_policy_of(self.pb.retry_config)


def duration_seconds(duration: Any) -> float:
    return float(duration.seconds) + float(duration.nanos) / 1e9


def retry_policy_of(retry_config: Any) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=int(retry_config.max_attempts),
        max_retry_duration=duration_seconds(retry_config.max_retry_duration),
        min_backoff=duration_seconds(retry_config.min_backoff),
        max_backoff=duration_seconds(retry_config.max_backoff),
        max_doublings=int(retry_config.max_doublings),
    )


@dataclass
class Delivery:
    """One HTTP request sent for an attempt: the attempt itself, or a duplicate (fault)."""

    status_code: int | None = None
    outcome: str = "in_flight"
    error: str | None = None
    sent_at: float | None = None
    duration_ms: float | None = None


@dataclass
class Attempt:
    number: int  # 1-based, = dispatch_count after it started
    trigger: str  # "schedule" | "run_task"
    schedule_time: float
    dispatch_time: float
    deadline_at: float  # simulated time the dispatch deadline runs out
    retry_count: int  # X-CloudTasks-TaskRetryCount
    execution_count: int  # X-CloudTasks-TaskExecutionCount
    previous_response: int | None = None  # X-CloudTasks-TaskPreviousResponse
    retry_reason: str | None = None  # X-CloudTasks-TaskRetryReason
    fault: dict[str, Any] | None = None  # the fault rule applied (kind, seconds, id)
    outcome: str = "in_flight"
    status_code: int | None = None
    rpc_code: int | None = None
    error: str | None = None
    retry_after: float | None = None
    response_time: float | None = None
    duration_ms: float | None = None
    next_schedule_time: float | None = None  # when the retry this failure caused is due
    duplicates: list[Delivery] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.outcome != "in_flight"

    def describe(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "trigger": self.trigger,
            "schedule_time": self.schedule_time,
            "dispatch_time": self.dispatch_time,
            "deadline_at": self.deadline_at,
            "retry_count": self.retry_count,
            "execution_count": self.execution_count,
            "previous_response": self.previous_response,
            "retry_reason": self.retry_reason,
            "fault": self.fault,
            "outcome": self.outcome,
            "status_code": self.status_code,
            "rpc_code": self.rpc_code,
            "error": self.error,
            "retry_after": self.retry_after,
            "response_time": self.response_time,
            "duration_ms": self.duration_ms,
            "next_schedule_time": self.next_schedule_time,
            "duplicates": [vars(delivery).copy() for delivery in self.duplicates],
        }


@dataclass
class TaskRecord:
    name: TaskName
    pb: Any  # google.cloud.tasks.v2.Task (raw protobuf) as created, outputs cleared
    create_time: float
    schedule_time: float
    dispatch_deadline: float  # seconds
    generated_name: bool
    state: str = "scheduled"
    attempts: list[Attempt] = field(default_factory=list)
    in_flight: int = 0
    ended_at: float | None = None

    @property
    def full_name(self) -> str:
        return self.name.full

    @property
    def live(self) -> bool:
        return self.state in LIVE_STATES

    @property
    def dispatch_count(self) -> int:
        return len(self.attempts)

    @property
    def response_count(self) -> int:
        return sum(1 for attempt in self.attempts if attempt.status_code is not None)

    def describe(self) -> dict[str, Any]:
        request = self.pb.http_request
        return {
            "name": self.full_name,
            "queue": self.name.queue,
            "task_id": self.name.task_id,
            "state": self.state,
            "generated_name": self.generated_name,
            "url": request.url,
            "http_method": int(request.http_method),
            "create_time": self.create_time,
            "schedule_time": self.schedule_time,
            "dispatch_deadline_seconds": self.dispatch_deadline,
            "dispatch_count": self.dispatch_count,
            "response_count": self.response_count,
            "in_flight": self.in_flight,
            "ended_at": self.ended_at,
            "attempts": [attempt.describe() for attempt in self.attempts],
        }
