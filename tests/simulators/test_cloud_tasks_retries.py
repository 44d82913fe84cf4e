"""Retries: the RetryConfig schedule, max attempts, Retry-After and the dispatch deadline."""

from __future__ import annotations

import itertools
import threading
import time
from email.utils import formatdate

import pytest
from google.api_core import exceptions
from google.cloud import tasks_v2
from google.protobuf import duration_pb2

from simulators.cloud_tasks.backoff import (
    RetryPolicy,
    backoff_seconds,
    parse_retry_after,
    retries_exhausted,
)
from tests.fixtures.cloud_tasks_sim import *  # noqa: F403
from tests.fixtures.cloud_tasks_sim import CloudTasksSimulator, Reply, TaskTarget


def policy(**changes: float) -> RetryPolicy:
    values: dict[str, float] = {
        "max_attempts": 100,
        "max_retry_duration": 0,
        "min_backoff": 10,
        "max_backoff": 300,
        "max_doublings": 3,
    }
    values.update(changes)
    return RetryPolicy(
        max_attempts=int(values["max_attempts"]),
        max_retry_duration=values["max_retry_duration"],
        min_backoff=values["min_backoff"],
        max_backoff=values["max_backoff"],
        max_doublings=int(values["max_doublings"]),
    )


def test_backoff_follows_the_documented_example() -> None:
    # RetryConfig.max_doublings docstring: min 10 s, max 300 s, 3 doublings.
    delays = [backoff_seconds(policy(), retry) for retry in range(8)]
    assert delays == [10, 20, 40, 80, 160, 240, 300, 300]
    assert backoff_seconds(policy(max_doublings=0), 2) == 30  # linear from the start
    assert backoff_seconds(policy(max_doublings=16, max_backoff=3600), 1000) == 3600


def test_retries_stop_when_attempts_and_duration_are_both_satisfied() -> None:
    assert not retries_exhausted(policy(max_attempts=3), 2, 0, 1)
    assert retries_exhausted(policy(max_attempts=3), 3, 0, 1)
    limited = policy(max_attempts=3, max_retry_duration=60)
    assert not retries_exhausted(limited, 5, 0, 59)  # attempts done, duration not yet
    assert retries_exhausted(limited, 5, 0, 60)
    assert not retries_exhausted(policy(max_attempts=-1), 10_000, 0, 10**9)
    assert retries_exhausted(policy(max_attempts=-1, max_retry_duration=60), 2, 0, 61)


def test_retry_after_is_parsed_as_seconds_or_date() -> None:
    assert parse_retry_after("7", 1000.0) == 7
    assert parse_retry_after(formatdate(1030.0, usegmt=True), 1000.0) == 30
    assert parse_retry_after("soon", 1000.0) is None
    assert parse_retry_after(None, 1000.0) is None


def attempt_gaps(task: dict[str, object]) -> list[float]:
    attempts = task["attempts"]
    assert isinstance(attempts, list)
    times = [attempt["dispatch_time"] for attempt in attempts]
    return [round(later - earlier, 1) for earlier, later in itertools.pairwise(times)]


def test_failed_deliveries_follow_the_queue_schedule(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    """10 s, 20 s, 40 s, 80 s … in simulated time, then the task fails after max_attempts."""
    cloud_tasks.create_queue(
        "q-backoff", max_attempts=6, min_backoff=10, max_backoff=300, max_doublings=3
    )
    task_target.respond = lambda _request: Reply(status=500)
    task = cloud_tasks.create_task(task_target.url, queue="q-backoff", task_id="always-500")
    for attempts in range(1, 6):
        seen = cloud_tasks.wait_for_task(task.name, lambda t, n=attempts: t["response_count"] == n)
        assert seen["state"] == "scheduled"
        gap = seen["attempts"][-1]["next_schedule_time"] - seen["attempts"][-1]["response_time"]
        assert gap == pytest.approx([10, 20, 40, 80, 160][attempts - 1], abs=0.01)
        cloud_tasks.advance(gap)
    failed = cloud_tasks.wait_for_state(task.name, "failed")
    assert failed["dispatch_count"] == 6
    assert attempt_gaps(failed) == pytest.approx([10, 20, 40, 80, 160], abs=1.0)
    assert [a["rpc_code"] for a in failed["attempts"]] == [13] * 6  # INTERNAL for HTTP 500
    with pytest.raises(exceptions.NotFound):
        cloud_tasks.client.get_task(name=task.name)


def test_task_fields_record_the_attempts(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    cloud_tasks.create_queue("q-fields", min_backoff=60, max_backoff=60)
    task_target.respond = lambda _request: Reply(status=404)
    task = cloud_tasks.create_task(task_target.url, queue="q-fields")
    cloud_tasks.wait_for_task(task.name, lambda t: t["response_count"] == 1)
    cloud_tasks.advance(60)
    cloud_tasks.wait_for_task(task.name, lambda t: t["response_count"] == 2)
    seen = cloud_tasks.client.get_task(name=task.name)
    assert seen.dispatch_count == 2
    assert seen.response_count == 2
    assert seen.first_attempt.dispatch_time < seen.last_attempt.dispatch_time
    assert not seen.first_attempt.response_status.message  # only dispatch_time is kept
    assert seen.last_attempt.response_status.code == 5  # NOT_FOUND
    assert seen.last_attempt.response_status.message == "HTTP status code 404"
    assert seen.schedule_time > seen.last_attempt.response_time


@pytest.mark.parametrize("header", ["120", "date"])
def test_retry_after_is_honoured_on_503_and_429(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget, header: str
) -> None:
    cloud_tasks.create_queue("q-after", min_backoff=0.1, max_backoff=1)
    value = "120" if header == "120" else formatdate(time.time() + 120, usegmt=True)
    statuses = iter([(503, value), (429, value), (500, value), (200, None)])

    def respond(_request: object) -> Reply:
        status, retry_after = next(statuses)
        return Reply(status=status, headers={"Retry-After": retry_after} if retry_after else {})

    task_target.respond = respond
    task = cloud_tasks.create_task(task_target.url, queue="q-after")
    for attempts, expected in ((1, 120), (2, 120)):
        seen = cloud_tasks.wait_for_task(task.name, lambda t, n=attempts: t["response_count"] == n)
        last = seen["attempts"][-1]
        assert last["retry_after"] == pytest.approx(expected, abs=1.5)
        wait = last["next_schedule_time"] - last["response_time"]
        assert wait == pytest.approx(expected, abs=1.5)
        cloud_tasks.advance(wait)
    # Retry-After on a 500 is not considered: the queue's short backoff applies.
    seen = cloud_tasks.wait_for_state(task.name, "succeeded")
    assert seen["attempts"][2]["retry_after"] is None
    assert seen["dispatch_count"] == 4


def test_dispatch_deadline_cuts_the_attempt_and_retries(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    cloud_tasks.create_queue("q-deadline", min_backoff=0.1, max_backoff=0.1)
    release = threading.Event()
    replies = iter([Reply(wait_for=release), Reply()])
    task_target.respond = lambda _request: next(replies)
    task = cloud_tasks.create_task(task_target.url, queue="q-deadline", dispatch_deadline=15)
    task_target.wait_for(1)
    cloud_tasks.advance(10)
    assert cloud_tasks.task(task.name)["attempts"][0]["outcome"] == "in_flight"
    cloud_tasks.advance(6)  # past the 15 s deadline (simulated time)
    done = cloud_tasks.wait_for_state(task.name, "succeeded")
    release.set()
    first, second = done["attempts"]
    assert first["outcome"] == "deadline_exceeded"
    assert first["rpc_code"] == 4  # DEADLINE_EXCEEDED
    assert second["outcome"] == "ok"
    assert task_target.received[1].headers["X-Cloudtasks-Taskretrycount"] == "1"
    assert task_target.received[1].headers["X-Cloudtasks-Taskretryreason"] == "DEADLINE_EXCEEDED"


def test_task_level_retry_config_overrides_the_queue(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    cloud_tasks.create_queue("q-override", max_attempts=50, min_backoff=0.05, max_backoff=0.05)
    task_target.respond = lambda _request: Reply(status=500)
    task = tasks_v2.Task(
        http_request=tasks_v2.HttpRequest(url=task_target.url),
        retry_config=tasks_v2.RetryConfig(max_attempts=2),
    )
    created = cloud_tasks.client.create_task(parent=cloud_tasks.queue_path("q-override"), task=task)
    failed = cloud_tasks.wait_for_state(created.name, "failed")
    assert failed["dispatch_count"] == 2


def test_max_retry_duration_keeps_retrying_until_it_passes(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    cloud_tasks.create_queue(
        "q-duration", max_attempts=1, min_backoff=30, max_backoff=30, max_retry_duration=100
    )
    task_target.respond = lambda _request: Reply(status=500)
    task = cloud_tasks.create_task(task_target.url, queue="q-duration")
    for attempts in range(1, 5):
        cloud_tasks.wait_for_task(task.name, lambda t, n=attempts: t["response_count"] == n)
        cloud_tasks.advance(30)
    failed = cloud_tasks.wait_for_state(task.name, "failed")
    # Attempts at 0, 30, 60, 90, 120 s: the one after 100 s is the last.
    assert failed["dispatch_count"] == 5


def test_unlimited_attempts_with_minus_one(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    cloud_tasks.create_queue("q-forever", max_attempts=-1, min_backoff=0.01, max_backoff=0.01)
    queue = cloud_tasks.client.get_queue(name=cloud_tasks.queue_path("q-forever"))
    assert queue.retry_config.max_attempts == -1
    assert queue.retry_config.max_backoff == duration_pb2.Duration(nanos=10_000_000).ToTimedelta()
    statuses = iter([500] * 8 + [200])
    task_target.respond = lambda _request: Reply(status=next(statuses))
    task = cloud_tasks.create_task(task_target.url, queue="q-forever")
    assert cloud_tasks.wait_for_state(task.name, "succeeded")["dispatch_count"] == 9
