"""Dispatch: concurrency, rate limits, pause/resume and the request a target receives."""

from __future__ import annotations

import threading
import time

from google.cloud import tasks_v2

from tests.fixtures.cloud_tasks_sim import *  # noqa: F403
from tests.fixtures.cloud_tasks_sim import CloudTasksSimulator, Reply, TaskTarget

SLOW = 0.6  # seconds each slow delivery takes


def test_tasks_are_dispatched_concurrently(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    cloud_tasks.create_queue("q-wide", max_concurrent_dispatches=50)
    task_target.respond = lambda _request: Reply(delay=SLOW)
    started = time.monotonic()
    names = [cloud_tasks.create_task(task_target.url, queue="q-wide").name for _ in range(12)]
    for name in names:
        cloud_tasks.wait_for_state(name, "succeeded")
    elapsed = time.monotonic() - started
    # 12 cars in about the time of one (generous bound for a loaded machine), not 12 × 0.6 s.
    assert elapsed < 3 * SLOW, elapsed
    assert task_target.peak_in_flight == 12


def test_max_concurrent_dispatches_bounds_the_fan_out(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    cloud_tasks.create_queue("q-narrow", max_concurrent_dispatches=3)
    task_target.respond = lambda _request: Reply(delay=SLOW / 2)
    started = time.monotonic()
    names = [cloud_tasks.create_task(task_target.url, queue="q-narrow").name for _ in range(9)]
    for name in names:
        cloud_tasks.wait_for_state(name, "succeeded")
    elapsed = time.monotonic() - started
    assert task_target.peak_in_flight == 3
    assert 3 * SLOW / 2 <= elapsed < 3 * SLOW / 2 + 1.5, elapsed


def test_max_dispatches_per_second_spaces_dispatches(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    cloud_tasks.create_queue("q-rate", max_dispatches_per_second=5)
    queue = cloud_tasks.client.get_queue(name=cloud_tasks.queue_path("q-rate"))
    assert queue.rate_limits.max_burst_size == 5
    for _ in range(10):
        cloud_tasks.create_task(task_target.url, queue="q-rate")
    requests_seen = task_target.wait_for(10, timeout=5)
    arrivals = sorted(request.arrived for request in requests_seen)
    # A burst of 5, then one every 0.2 s: the 10th about a second after the first.
    assert arrivals[-1] - arrivals[0] >= 0.9
    assert arrivals[4] - arrivals[0] < 0.5


def test_paused_queue_dispatches_nothing_until_resumed(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    cloud_tasks.create_queue("q-pause")
    cloud_tasks.admin("queues/q-pause/pause", {})
    task = cloud_tasks.create_task(task_target.url, queue="q-pause")
    time.sleep(0.3)
    assert task_target.received == []
    assert cloud_tasks.client.get_queue(name=task.name.rsplit("/tasks/", 1)[0]).state == (
        tasks_v2.Queue.State.PAUSED
    )
    cloud_tasks.admin(f"queues/{cloud_tasks.queue_path('q-pause')}/resume", {})
    cloud_tasks.wait_for_state(task.name, "succeeded")
    assert len(task_target.received) == 1


def test_the_request_carries_the_cloud_tasks_headers(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    cloud_tasks.create_queue("q-headers", max_attempts=3)
    statuses = iter([503, 404, 200])
    task_target.respond = lambda _request: Reply(status=next(statuses))
    task = cloud_tasks.create_task(
        f"{task_target.url}?order=1",
        queue="q-headers",
        task_id="car-7",
        body=b'{"vehicle_id": 7}',
        headers={
            "Content-Type": "application/json",
            "X-Custom": "kept",
            "User-Agent": "replaced",
            "X-CloudTasks-TaskName": "spoofed",
            "X-Google-Internal": "dropped",
        },
    )
    cloud_tasks.wait_for_state(task.name, "succeeded")
    first, second, third = task_target.received
    assert first.method == "POST"
    assert first.path == "/work"
    assert first.body == b'{"vehicle_id": 7}'
    headers = first.headers
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Custom"] == "kept"
    assert headers["User-Agent"] == "Google-Cloud-Tasks"
    assert "X-Google-Internal" not in headers
    assert "Authorization" not in headers
    assert headers["X-Cloudtasks-Queuename"] == "q-headers"
    assert headers["X-Cloudtasks-Taskname"] == "car-7"
    assert headers["X-Cloudtasks-Taskretrycount"] == "0"
    assert headers["X-Cloudtasks-Taskexecutioncount"] == "0"
    created = cloud_tasks.task(task.name)
    assert float(headers["X-Cloudtasks-Tasketa"]) == round(
        created["attempts"][0]["schedule_time"], 6
    )
    assert "X-Cloudtasks-Taskpreviousresponse" not in headers

    # After a 503: retried, previous response 503, not counted as an execution (5xx).
    assert second.headers["X-Cloudtasks-Taskretrycount"] == "1"
    assert second.headers["X-Cloudtasks-Taskexecutioncount"] == "0"
    assert second.headers["X-Cloudtasks-Taskpreviousresponse"] == "503"
    assert second.headers["X-Cloudtasks-Taskretryreason"] == "UNAVAILABLE"
    # After a 404: an execution that failed.
    assert third.headers["X-Cloudtasks-Taskretrycount"] == "2"
    assert third.headers["X-Cloudtasks-Taskexecutioncount"] == "1"
    assert third.headers["X-Cloudtasks-Taskpreviousresponse"] == "404"


def test_http_methods_and_empty_bodies(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    cloud_tasks.create_queue("q-methods")
    for method in (tasks_v2.HttpMethod.GET, tasks_v2.HttpMethod.PUT, tasks_v2.HttpMethod.DELETE):
        cloud_tasks.create_task(task_target.url, queue="q-methods", method=method)
    received = task_target.wait_for(3)
    assert sorted(request.method for request in received) == ["DELETE", "GET", "PUT"]


def test_wait_idle_and_reset_cut_hanging_deliveries(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    release = threading.Event()
    task_target.respond = lambda _request: Reply(wait_for=release)
    task = cloud_tasks.create_task(task_target.url)  # the configured "reports" queue
    task_target.wait_for(1)
    assert cloud_tasks.wait_idle(timeout=0.2) is False
    cloud_tasks.reset()
    assert cloud_tasks.wait_idle(timeout=2) is True
    assert cloud_tasks.tasks() == []
    release.set()
    assert [q["name"] for q in cloud_tasks.admin("queues")["queues"]] == [
        task.name.rsplit("/tasks/", 1)[0]
    ]
