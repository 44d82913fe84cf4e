"""The emulator's state and the v2 API's operations on it (queues and tasks).

Everything runs under one lock; ``changed`` (a condition on that lock) wakes the dispatcher
whenever something it may act on changes. Operations raise :class:`ApiError`, which the gRPC
layer turns into status codes. Dispatching itself (attempts, retries) is in ``scheduling``.
"""

from __future__ import annotations

import base64
import re
import threading
from collections import deque
from dataclasses import replace
from typing import Any

from simulators.clock import SimulatedClock

from .config import (
    MAX_LIST_QUEUES_PAGE,
    MAX_LIST_TASKS_PAGE,
    CloudTasksConfig,
)
from .errors import TOMBSTONE_MESSAGE, already_exists, invalid_argument, not_found
from .faults import FaultBook
from .model import Attempt, QueueRecord, TaskRecord, TokenBucket
from .names import (
    TaskName,
    check_location,
    check_queue_name,
    generated_task_id,
    parse_task_name,
    queue_parent,
)
from .validation import check_new_task, normalise_queue
from .views import QUEUE_PB, TASK_PB, queue_view, task_view

RUNNING, PAUSED = 1, 2  # Queue.State
_FILTER_RE = re.compile(r"^\s*state\s*[:=]\s*([A-Z_]+)\s*$")
_STATE_NAMES = {"RUNNING": RUNNING, "PAUSED": PAUSED, "DISABLED": 3}
# Fields a client may not set on a task (output only); they are cleared on CreateTask.
_TASK_OUTPUT_FIELDS = (
    "create_time",
    "dispatch_count",
    "response_count",
    "first_attempt",
    "last_attempt",
    "view",
)
# Queue fields an UpdateQueue mask may name (output-only ones are ignored, as documented).
_QUEUE_OUTPUT_PATHS = ("name", "state", "purge_time", "rate_limits.max_burst_size")


InFlight = tuple[TaskRecord, Attempt, QueueRecord]


class EmulatorState:
    def __init__(self, config: CloudTasksConfig, clock: SimulatedClock) -> None:
        self.config = config
        self.settings = replace(config)  # runtime-changeable copy (POST /admin/settings)
        self.clock = clock
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.faults = FaultBook()
        self.queues: dict[str, QueueRecord] = {}
        self.tasks: dict[str, TaskRecord] = {}  # live tasks by full name
        self.finished: deque[TaskRecord] = deque(maxlen=config.history_limit)
        self.tombstones: dict[str, float] = {}  # task name -> when it may be reused
        self.in_flight: dict[int, InFlight] = {}  # id(attempt) -> (task, attempt, queue)
        self.last_sweep = 0.0
        self._create_configured_queues()

    def notify(self) -> None:
        with self.changed:
            self.changed.notify_all()

    def reset(self) -> list[Attempt]:
        """Forget everything; returns the attempts that were in flight (to be cut off)."""
        with self.lock:
            aborted = [attempt for _, attempt, _ in self.in_flight.values()]
            for attempt in aborted:
                attempt.outcome = "abandoned"
            self.in_flight.clear()
            self.queues.clear()
            self.tasks.clear()
            self.finished.clear()
            self.tombstones.clear()
            self.faults.clear()
            self.settings = replace(self.config)
            self.clock.reset(self.config.freeze_clock)
            self._create_configured_queues()
            self.changed.notify_all()
            return aborted

    def _create_configured_queues(self) -> None:
        for name in self.config.queues:
            queue = QUEUE_PB(name=check_queue_name(name))
            self._new_queue(queue)

    # --- queues ---------------------------------------------------------------------------------
    def queue(self, name: str) -> QueueRecord:
        check_queue_name(name)
        found = self.queues.get(name)
        if found is None:
            raise not_found(f"queue {name}")
        return found

    def _new_queue(self, request: Any) -> QueueRecord:
        queue = QUEUE_PB()
        queue.CopyFrom(request)
        queue.ClearField("purge_time")
        queue.state = RUNNING
        normalise_queue(queue, self.config.queue_defaults)
        limits = queue.rate_limits
        bucket = TokenBucket(
            rate=limits.max_dispatches_per_second,
            capacity=limits.max_burst_size,
            tokens=float(limits.max_burst_size),
            updated_at=self.clock.now(),
        )
        record = QueueRecord(name=queue.name, pb=queue, bucket=bucket)
        self.queues[queue.name] = record
        return record

    def create_queue(self, parent: str, request: Any) -> Any:
        check_location(parent)
        name = check_queue_name(request.name)
        if queue_parent(name) != parent:
            raise invalid_argument(f"queue {name} is not under {parent}")
        with self.lock:
            if name in self.queues:
                raise already_exists()
            return queue_view(self._new_queue(request))

    def get_queue(self, name: str) -> Any:
        with self.lock:
            return queue_view(self.queue(name))

    def update_queue(self, request: Any, paths: list[str]) -> Any:
        """Update (or, as documented, create) a queue; an empty mask updates every field."""
        name = check_queue_name(request.name)
        with self.lock:
            existing = self.queues.get(name)
            if existing is None:
                return queue_view(self._new_queue(request))
            updated = QUEUE_PB()
            updated.CopyFrom(existing.pb)
            if paths:
                _apply_mask(updated, request, paths)
            else:
                for field in ("rate_limits", "retry_config", "stackdriver_logging_config"):
                    getattr(updated, field).CopyFrom(getattr(request, field))
                for field in ("http_target", "app_engine_routing_override"):
                    if request.HasField(field):
                        getattr(updated, field).CopyFrom(getattr(request, field))
            normalise_queue(updated, self.config.queue_defaults, frozenset(paths))
            existing.pb = updated
            existing.bucket.refill(self.clock.now())
            existing.bucket.rate = updated.rate_limits.max_dispatches_per_second
            existing.bucket.capacity = updated.rate_limits.max_burst_size
            self.changed.notify_all()
            return queue_view(existing)

    def list_queues(
        self, parent: str, filter_text: str, page_size: int, page_token: str
    ) -> tuple[list[Any], str]:
        check_location(parent)
        wanted = _state_filter(filter_text)
        with self.lock:
            found = [
                queue
                for name, queue in sorted(self.queues.items())
                if queue_parent(name) == parent and (wanted is None or queue.pb.state == wanted)
            ]
            page, token = paginate(found, page_size, page_token, MAX_LIST_QUEUES_PAGE)
            return [queue_view(queue) for queue in page], token

    def delete_queue(self, name: str) -> None:
        with self.lock:
            queue = self.queue(name)
            now = self.clock.now()
            for task in list(queue.tasks.values()):
                self.retire(task, "purged", now)
            del self.queues[name]
            self.changed.notify_all()

    def purge_queue(self, name: str) -> Any:
        with self.lock:
            queue = self.queue(name)
            now = self.clock.now()
            for task in list(queue.tasks.values()):
                if task.create_time <= now:
                    self.retire(task, "purged", now)
            queue.pb.purge_time.FromMicroseconds(int(now * 1_000_000))
            self.changed.notify_all()
            return queue_view(queue)

    def set_queue_state(self, name: str, state: int) -> Any:
        with self.lock:
            queue = self.queue(name)
            queue.pb.state = state
            self.changed.notify_all()
            return queue_view(queue)

    # --- tasks ----------------------------------------------------------------------------------
    def create_task(self, parent: str, request: Any, view: int) -> Any:
        check_queue_name(parent)
        task = TASK_PB()
        task.CopyFrom(request)
        for field in _TASK_OUTPUT_FIELDS:
            task.ClearField(field)
        deadline = check_new_task(task)
        with self.lock:
            queue = self.queue(parent)
            name, generated = _task_name(parent, task.name)
            now = self.clock.now()
            self._check_unused(name, now)
            scheduled = (
                task.schedule_time.ToNanoseconds() / 1e9 if task.HasField("schedule_time") else now
            )
            task.name = name.full
            record = TaskRecord(
                name=name,
                pb=task,
                create_time=now,
                schedule_time=max(scheduled, now),  # unset or past: now
                dispatch_deadline=deadline,
                generated_name=generated,
            )
            self.tasks[name.full] = record
            queue.tasks[name.full] = record
            self.changed.notify_all()
            return task_view(record, view)

    def _check_unused(self, name: TaskName, now: float) -> None:
        if name.full in self.tasks:
            raise already_exists()
        reusable_at = self.tombstones.get(name.full)
        if reusable_at is not None and reusable_at > now:
            raise already_exists(TOMBSTONE_MESSAGE)

    def live_task(self, name: str) -> TaskRecord:
        full = parse_task_name(name).full
        found = self.tasks.get(full)
        if found is None:
            # Also for tasks that succeeded or failed: "A GetTask request for a deleted task
            # returns a NOT_FOUND error."
            raise not_found(f"task {full}")
        return found

    def get_task(self, name: str, view: int) -> Any:
        with self.lock:
            return task_view(self.live_task(name), view)

    def list_tasks(
        self, parent: str, view: int, page_size: int, page_token: str
    ) -> tuple[list[Any], str]:
        with self.lock:
            queue = self.queue(parent)
            ordered = sorted(queue.tasks.values(), key=lambda t: (t.schedule_time, t.full_name))
            page, token = paginate(ordered, page_size, page_token, MAX_LIST_TASKS_PAGE)
            return [task_view(task, view) for task in page], token

    def delete_task(self, name: str) -> None:
        with self.lock:
            task = self.live_task(name)
            # An attempt still in flight finishes unseen; its answer changes nothing.
            self.retire(task, "deleted", self.clock.now())
            self.changed.notify_all()

    def retire(self, task: TaskRecord, state: str, now: float) -> None:
        """End a live task; its name stays taken for the de-duplication window."""
        task.state = state
        task.ended_at = now
        self.tasks.pop(task.full_name, None)
        queue = self.queues.get(task.name.queue)
        if queue is not None:
            queue.tasks.pop(task.full_name, None)
        self.tombstones[task.full_name] = now + self.settings.dedup_window_seconds
        self.finished.append(task)

    # --- admin views ------------------------------------------------------------------------------
    def find_queue(self, text: str) -> QueueRecord | None:
        """A queue by full name or by its short id (when unique)."""
        if text in self.queues:
            return self.queues[text]
        matches = [queue for queue in self.queues.values() if queue.queue_id == text]
        return matches[0] if len(matches) == 1 else None

    def all_tasks(self) -> list[TaskRecord]:
        """Finished (oldest first) then live tasks."""
        return [*self.finished, *self.tasks.values()]

    def find_task(self, text: str) -> TaskRecord | None:
        """The newest task with this full name or id (live first)."""
        for task in self.tasks.values():
            if text in (task.full_name, task.name.task_id):
                return task
        for task in reversed(self.finished):
            if text in (task.full_name, task.name.task_id):
                return task
        return None

    def idle(self) -> bool:
        """Nothing in flight and nothing due now in a running queue."""
        if self.in_flight:
            return False
        now = self.clock.now()
        return not any(
            task.state == "scheduled" and task.schedule_time <= now
            for queue in self.queues.values()
            if queue.running
            for task in queue.tasks.values()
        )


def _task_name(parent: str, given: str) -> tuple[TaskName, bool]:
    if not given:
        return TaskName(queue=parent, task_id=generated_task_id()), True
    name = parse_task_name(given)
    if name.queue != parent:
        raise invalid_argument(f"task {given} does not belong to queue {parent}")
    return name, False


def _state_filter(text: str) -> int | None:
    if not text.strip():
        return None
    match = _FILTER_RE.match(text)
    if not match or match.group(1) not in _STATE_NAMES:
        raise invalid_argument(f"unsupported filter {text!r}: only 'state: RUNNING|PAUSED'")
    return _STATE_NAMES[match.group(1)]


def _apply_mask(target: Any, source: Any, paths: list[str]) -> None:
    for path in paths:
        if path in _QUEUE_OUTPUT_PATHS:
            continue  # "Any value specified for an output only field will be ignored."
        *parents, leaf = path.split(".")
        dst, src = target, source
        for part in parents:
            if part not in dst.DESCRIPTOR.fields_by_name:
                raise invalid_argument(f"unknown update_mask path {path!r}")
            dst, src = getattr(dst, part), getattr(src, part)
        field = dst.DESCRIPTOR.fields_by_name.get(leaf)
        if field is None:
            raise invalid_argument(f"unknown update_mask path {path!r}")
        if field.message_type is None:
            setattr(dst, leaf, getattr(src, leaf))
        elif src.HasField(leaf):
            getattr(dst, leaf).CopyFrom(getattr(src, leaf))
        else:
            dst.ClearField(leaf)


def paginate(items: list[Any], page_size: int, token: str, max_size: int) -> tuple[list[Any], str]:
    if page_size < 0:
        raise invalid_argument("page_size must not be negative")
    size = min(page_size or max_size, max_size)
    start = _decode_token(token)
    end = start + size
    return items[start:end], (_encode_token(end) if end < len(items) else "")


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode("ascii")


def _decode_token(token: str) -> int:
    if not token:
        return 0
    try:
        kind, _, value = base64.urlsafe_b64decode(token.encode("ascii")).decode().partition(":")
        if kind != "offset":
            raise ValueError(kind)
        return int(value)
    except ValueError:
        raise invalid_argument("invalid page_token") from None
