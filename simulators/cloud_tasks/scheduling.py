"""Which task goes out when, and what an attempt's result does to its task.

Called with the state's lock held (the dispatcher's loop, RunTask, finished deliveries). Per
queue, due tasks leave in schedule_time order while the queue is RUNNING, has fewer than
max_concurrent_dispatches in flight and a token in its max_dispatches_per_second bucket. A 2xx
ends the task; anything else schedules the next attempt by the RetryConfig (and Retry-After on
429/503) until the retries are exhausted. Times are the simulated clock's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .backoff import RetryPolicy, backoff_seconds, parse_retry_after, retries_exhausted
from .config import TASK_RETENTION_SECONDS
from .model import Attempt, QueueRecord, TaskRecord, retry_policy_of
from .outcomes import RPC_CODE_NAMES, Outcome
from .state import EmulatorState
from .validation import task_retry_config
from .views import QUEUE_PB

RETRY_AFTER_STATUSES = (429, 503)
SWEEP_INTERVAL_SECONDS = 1.0


@dataclass
class Plan:
    launches: list[tuple[TaskRecord, Attempt]] = field(default_factory=list)
    timed_out: list[Attempt] = field(default_factory=list)  # to cut off (deadline passed)
    wait_seconds: float = 0.25


def plan(state: EmulatorState) -> Plan:
    now = state.clock.now()
    _sweep(state, now)
    result = Plan(timed_out=_expire_deadlines(state, now))
    result.launches = _take_due(state, now)
    result.wait_seconds = _seconds_to_wake(state, now)
    return result


def start_attempt(
    state: EmulatorState, task: TaskRecord, queue: QueueRecord, now: float, trigger: str
) -> Attempt:
    previous = task.attempts[-1] if task.attempts else None
    attempt = Attempt(
        number=task.dispatch_count + 1,
        trigger=trigger,
        schedule_time=task.schedule_time,
        dispatch_time=now,
        deadline_at=now + task.dispatch_deadline,
        retry_count=task.dispatch_count,
        # Responses received, not counting 5xx (the X-CloudTasks-TaskExecutionCount docs).
        execution_count=sum(
            1 for a in task.attempts if a.status_code is not None and a.status_code < 500
        ),
        previous_response=previous.status_code if previous else None,
        retry_reason=_retry_reason(previous),
        fault=state.faults.take(task.name),
    )
    task.attempts.append(attempt)
    task.state = "dispatched"
    task.in_flight += 1
    queue.in_flight += 1
    state.in_flight[id(attempt)] = (task, attempt, queue)
    return attempt


def _retry_reason(previous: Attempt | None) -> str | None:
    # UNVERIFIED values: the google.rpc code name of the previous attempt's result.
    if previous is None or previous.rpc_code is None:
        return None
    return RPC_CODE_NAMES.get(previous.rpc_code, "UNKNOWN")


def finish_attempt(state: EmulatorState, attempt: Attempt, outcome: Outcome) -> bool:
    """Record a delivery's result once; False when the attempt was already settled."""
    with state.changed:
        entry = state.in_flight.pop(id(attempt), None)
        if entry is None:
            return False
        task, _, queue = entry
        _settle(state, task, attempt, queue, outcome, state.clock.now())
        state.changed.notify_all()
        return True


def _settle(
    state: EmulatorState,
    task: TaskRecord,
    attempt: Attempt,
    queue: QueueRecord,
    outcome: Outcome,
    now: float,
) -> None:
    state.in_flight.pop(id(attempt), None)
    attempt.outcome = outcome.kind
    attempt.status_code = outcome.status_code
    attempt.rpc_code = outcome.rpc_code
    attempt.error = outcome.error
    attempt.response_time = now
    attempt.duration_ms = round((now - attempt.dispatch_time) * 1000, 1)
    task.in_flight -= 1
    queue.in_flight -= 1
    if state.tasks.get(task.full_name) is not task:
        return  # deleted or purged meanwhile: the answer changes nothing
    if outcome.success:
        state.retire(task, "succeeded", now)
        return
    _after_failure(state, task, attempt, outcome, now)


def _after_failure(
    state: EmulatorState, task: TaskRecord, attempt: Attempt, outcome: Outcome, now: float
) -> None:
    policy = _policy(state, task)
    delay = backoff_seconds(policy, max(task.dispatch_count - 1, 0))
    if outcome.status_code in RETRY_AFTER_STATUSES:
        # "The retry specified in the Retry-After HTTP response header is considered."
        attempt.retry_after = parse_retry_after(outcome.retry_after_header, time.time())
        if attempt.retry_after is not None:
            delay = max(delay, attempt.retry_after)
    # RunTask: "schedule_time will be reset to the time that RunTask was called plus the retry
    # delay specified in the queue's RetryConfig".
    base = attempt.dispatch_time if attempt.trigger == "run_task" else now
    task.schedule_time = base + delay
    if task.in_flight > 0:
        return  # another attempt (RunTask) is still out; its result decides
    first_dispatch = task.attempts[0].dispatch_time
    if retries_exhausted(policy, task.dispatch_count, first_dispatch, now):
        state.retire(task, "failed", now)
        return
    task.state = "scheduled"
    attempt.next_schedule_time = task.schedule_time


def _policy(state: EmulatorState, task: TaskRecord) -> RetryPolicy:
    queue = state.queues.get(task.name.queue)
    retry = queue.pb.retry_config if queue is not None else QUEUE_PB().retry_config
    if task.pb.HasField("retry_config"):
        retry = task_retry_config(task.pb.retry_config, retry)
    return retry_policy_of(retry)


def _expire_deadlines(state: EmulatorState, now: float) -> list[Attempt]:
    expired = [entry for entry in state.in_flight.values() if now >= entry[1].deadline_at]
    for task, attempt, queue in expired:
        outcome = Outcome(
            "deadline_exceeded", error=f"no response within {task.dispatch_deadline:g}s"
        )
        _settle(state, task, attempt, queue, outcome, now)
    return [attempt for _, attempt, _ in expired]


def _due(queue: QueueRecord, now: float) -> list[TaskRecord]:
    due = [t for t in queue.tasks.values() if t.state == "scheduled" and t.schedule_time <= now]
    return sorted(due, key=lambda t: (t.schedule_time, t.create_time))


def _take_due(state: EmulatorState, now: float) -> list[tuple[TaskRecord, Attempt]]:
    launches: list[tuple[TaskRecord, Attempt]] = []
    capacity = state.settings.worker_threads - len(state.in_flight)
    for queue in state.queues.values():
        if not queue.running:
            continue
        for task in _due(queue, now):
            if capacity <= 0 or queue.in_flight >= queue.max_concurrent:
                break
            if not queue.bucket.take(now):
                break
            launches.append((task, start_attempt(state, task, queue, now, "schedule")))
            capacity -= 1
    return launches


def _seconds_to_wake(state: EmulatorState, now: float) -> float:
    candidates = [state.settings.scheduler_tick_seconds]
    candidates.extend(attempt.deadline_at - now for _, attempt, _ in state.in_flight.values())
    for queue in state.queues.values():
        wake = _queue_wake(queue, now)
        if wake is not None:
            candidates.append(wake)
    return max(min(candidates), 0.001)


def _queue_wake(queue: QueueRecord, now: float) -> float | None:
    """Seconds until this queue may dispatch again by itself (None: only a change will do)."""
    if not queue.running:
        return None
    times = [task.schedule_time for task in queue.tasks.values() if task.state == "scheduled"]
    if not times:
        return None
    earliest = min(times)
    if earliest > now:
        return earliest - now
    if queue.in_flight >= queue.max_concurrent:
        return None  # a finishing attempt notifies
    wait = queue.bucket.seconds_to_next(now)
    return wait if wait > 0 else None


def _sweep(state: EmulatorState, now: float) -> None:
    if now - state.last_sweep < SWEEP_INTERVAL_SECONDS:
        return
    state.last_sweep = now
    state.tombstones = {name: at for name, at in state.tombstones.items() if at > now}
    for task in list(state.tasks.values()):
        # "After a task is 31 days old, the task will be deleted regardless".
        if task.in_flight == 0 and now - task.create_time >= TASK_RETENTION_SECONDS:
            state.retire(task, "expired", now)
