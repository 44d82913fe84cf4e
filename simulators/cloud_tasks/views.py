"""Records → the v2 API's protobuf messages (Queue, Task, Attempt)."""

from __future__ import annotations

from typing import Any

from google.cloud import tasks_v2

from .model import Attempt, QueueRecord, TaskRecord
from .outcomes import RPC_CODE_NAMES
from .validation import set_duration

QUEUE_PB: Any = tasks_v2.Queue.pb()
TASK_PB: Any = tasks_v2.Task.pb()
VIEW_BASIC, VIEW_FULL = 1, 2


def set_timestamp(message: Any, seconds: float) -> None:
    # Cloud Tasks truncates its timestamps to the microsecond.
    message.FromMicroseconds(int(seconds * 1_000_000))


def queue_view(queue: QueueRecord) -> Any:
    out = QUEUE_PB()
    out.CopyFrom(queue.pb)
    return out


def task_view(task: TaskRecord, view: int) -> Any:
    out = TASK_PB()
    out.CopyFrom(task.pb)
    out.name = task.full_name
    out.create_time.FromSeconds(int(task.create_time))  # "truncated to the nearest second"
    set_timestamp(out.schedule_time, task.schedule_time)
    set_duration(out.dispatch_deadline, task.dispatch_deadline)
    out.dispatch_count = task.dispatch_count
    out.response_count = task.response_count
    if task.attempts:
        # "Only dispatch_time will be set" on first_attempt.
        set_timestamp(out.first_attempt.dispatch_time, task.attempts[0].dispatch_time)
        _fill_attempt(out.last_attempt, task.attempts[-1])
    if view == VIEW_FULL:
        out.view = VIEW_FULL
    else:
        out.view = VIEW_BASIC
        # BASIC omits bodies (documented for App Engine requests; UNVERIFIED for HTTP ones).
        out.http_request.ClearField("body")
    return out


def _fill_attempt(message: Any, attempt: Attempt) -> None:
    set_timestamp(message.schedule_time, attempt.schedule_time)
    set_timestamp(message.dispatch_time, attempt.dispatch_time)
    if attempt.response_time is not None and attempt.rpc_code is not None:
        set_timestamp(message.response_time, attempt.response_time)
        message.response_status.code = attempt.rpc_code
        detail = f"HTTP status code {attempt.status_code}" if attempt.status_code else None
        message.response_status.message = (
            detail or attempt.error or RPC_CODE_NAMES.get(attempt.rpc_code, "")
        )
