"""The Cloud Tasks emulator's v2 API, driven by the official google-cloud-tasks client."""

from __future__ import annotations

import pytest
from google.api_core import exceptions
from google.cloud import tasks_v2
from google.protobuf import duration_pb2, field_mask_pb2

from tests.fixtures.cloud_tasks_sim import *  # noqa: F403
from tests.fixtures.cloud_tasks_sim import CloudTasksSimulator, Reply, TaskTarget

NO_RETRY = {"retry": None, "timeout": 5}  # surface the status, no client-side retry


def test_queue_lifecycle(cloud_tasks: CloudTasksSimulator) -> None:
    client = cloud_tasks.client
    created = cloud_tasks.create_queue("q-life", max_concurrent_dispatches=7)
    assert created.name == cloud_tasks.queue_path("q-life")
    assert created.state == tasks_v2.Queue.State.RUNNING
    assert created.rate_limits.max_concurrent_dispatches == 7
    # Unset values get Cloud Tasks' defaults; max_burst_size is derived.
    assert created.rate_limits.max_dispatches_per_second == 500
    assert created.rate_limits.max_burst_size == 500
    assert created.retry_config.max_attempts == 100
    assert created.retry_config.max_doublings == 16

    with pytest.raises(exceptions.AlreadyExists):
        cloud_tasks.create_queue("q-life")
    assert client.get_queue(name=created.name, **NO_RETRY).name == created.name

    paused = client.pause_queue(name=created.name, **NO_RETRY)
    assert paused.state == tasks_v2.Queue.State.PAUSED
    names = [q.name for q in client.list_queues(parent=cloud_tasks.location_path, **NO_RETRY)]
    assert names == [created.name, cloud_tasks.queue_path()]
    only_paused = client.list_queues(
        request={"parent": cloud_tasks.location_path, "filter": "state: PAUSED"}, **NO_RETRY
    )
    assert [q.name for q in only_paused] == [created.name]
    assert client.resume_queue(name=created.name, **NO_RETRY).state == tasks_v2.Queue.State.RUNNING

    client.delete_queue(name=created.name, **NO_RETRY)
    with pytest.raises(exceptions.NotFound):
        client.get_queue(name=created.name, **NO_RETRY)
    with pytest.raises(exceptions.NotFound):
        client.delete_queue(name=created.name, **NO_RETRY)


def test_update_queue_with_and_without_mask(cloud_tasks: CloudTasksSimulator) -> None:
    client = cloud_tasks.client
    name = cloud_tasks.create_queue("q-update", max_concurrent_dispatches=3).name
    change = tasks_v2.Queue(
        name=name,
        rate_limits=tasks_v2.RateLimits(max_concurrent_dispatches=9),
        retry_config=tasks_v2.RetryConfig(max_attempts=4),
    )
    updated = client.update_queue(
        queue=change,
        update_mask=field_mask_pb2.FieldMask(paths=["rate_limits.max_concurrent_dispatches"]),
        **NO_RETRY,
    )
    assert updated.rate_limits.max_concurrent_dispatches == 9
    assert updated.retry_config.max_attempts == 100  # not in the mask: unchanged
    # An explicit zero in the mask is kept (no doubling at all).
    zero = tasks_v2.Queue(name=name, retry_config=tasks_v2.RetryConfig(max_doublings=0))
    masked = client.update_queue(
        queue=zero,
        update_mask=field_mask_pb2.FieldMask(paths=["retry_config.max_doublings"]),
        **NO_RETRY,
    )
    assert masked.retry_config.max_doublings == 0
    with pytest.raises(exceptions.InvalidArgument):
        client.update_queue(
            queue=zero, update_mask=field_mask_pb2.FieldMask(paths=["nonsense"]), **NO_RETRY
        )
    # UpdateQueue "creates the queue if it does not exist".
    fresh = client.update_queue(queue=tasks_v2.Queue(name=cloud_tasks.queue_path("q-new")))
    assert fresh.state == tasks_v2.Queue.State.RUNNING
    with pytest.raises(exceptions.InvalidArgument):
        client.update_queue(
            queue=tasks_v2.Queue(
                name=name, rate_limits=tasks_v2.RateLimits(max_dispatches_per_second=501)
            ),
            **NO_RETRY,
        )


def test_task_create_get_list_delete(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    client = cloud_tasks.client
    cloud_tasks.create_queue("q-tasks")
    client.pause_queue(name=cloud_tasks.queue_path("q-tasks"))
    named = cloud_tasks.create_task(
        task_target.url, queue="q-tasks", task_id="car-1", body=b'{"a": 1}'
    )
    assert named.name == cloud_tasks.task_path("car-1", "q-tasks")
    assert named.dispatch_count == 0
    assert named.dispatch_deadline == duration_pb2.Duration(seconds=600).ToTimedelta()
    assert named.view == tasks_v2.Task.View.BASIC
    assert named.http_request.body == b""  # BASIC omits the body
    generated = cloud_tasks.create_task(task_target.url, queue="q-tasks")
    assert generated.name.rsplit("/", 1)[-1].isdigit()

    full = client.get_task(
        request={"name": named.name, "response_view": tasks_v2.Task.View.FULL}, **NO_RETRY
    )
    assert full.http_request.body == b'{"a": 1}'
    assert full.http_request.http_method == tasks_v2.HttpMethod.POST
    listed = list(client.list_tasks(parent=cloud_tasks.queue_path("q-tasks"), **NO_RETRY))
    assert {task.name for task in listed} == {named.name, generated.name}
    paged = client.list_tasks(
        request={"parent": cloud_tasks.queue_path("q-tasks"), "page_size": 1}, **NO_RETRY
    )
    assert len(next(iter(paged.pages)).tasks) == 1
    assert len(list(paged)) == 2  # the pager follows next_page_token

    client.delete_task(name=named.name, **NO_RETRY)
    with pytest.raises(exceptions.NotFound):
        client.get_task(name=named.name, **NO_RETRY)
    with pytest.raises(exceptions.NotFound):
        client.delete_task(name=named.name, **NO_RETRY)
    assert cloud_tasks.task(named.name)["state"] == "deleted"
    assert task_target.received == []  # paused: nothing went out
    with pytest.raises(exceptions.NotFound):
        cloud_tasks.create_task(task_target.url, queue="no-such-queue")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"url": "ftp://example.com/x"}, exceptions.InvalidArgument),
        ({"method": tasks_v2.HttpMethod.GET, "body": b"x"}, exceptions.InvalidArgument),
        ({"dispatch_deadline": 10}, exceptions.InvalidArgument),
        ({"dispatch_deadline": 1801}, exceptions.InvalidArgument),
        ({"task_id": "bad/name"}, exceptions.InvalidArgument),
        ({"body": b"x" * (101 * 1024)}, exceptions.InvalidArgument),
        ({"oidc_email": "not-an-email"}, exceptions.InvalidArgument),
    ],
)
def test_invalid_tasks_are_refused(
    cloud_tasks: CloudTasksSimulator, changes: dict[str, object], code: type[Exception]
) -> None:
    arguments: dict[str, object] = {"url": "http://127.0.0.1:9/x", **changes}
    url = str(arguments.pop("url"))
    with pytest.raises(code):
        cloud_tasks.create_task(url, **arguments)  # type: ignore[arg-type]


def test_app_engine_tasks_are_not_emulated(cloud_tasks: CloudTasksSimulator) -> None:
    task = tasks_v2.Task(app_engine_http_request=tasks_v2.AppEngineHttpRequest(relative_uri="/"))
    with pytest.raises(exceptions.MethodNotImplemented):
        cloud_tasks.client.create_task(parent=cloud_tasks.queue_path(), task=task, **NO_RETRY)


def test_names_are_deduplicated_live_completed_and_deleted(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    cloud_tasks.create_queue("q-dedup")
    live = cloud_tasks.create_task(task_target.url, queue="q-dedup", task_id="same")
    cloud_tasks.wait_for_state(live.name, "succeeded")
    with pytest.raises(exceptions.AlreadyExists, match="existed too recently"):
        cloud_tasks.create_task(task_target.url, queue="q-dedup", task_id="same")
    with pytest.raises(exceptions.NotFound):  # succeeded tasks are gone from the API
        cloud_tasks.client.get_task(name=live.name, **NO_RETRY)

    cloud_tasks.client.pause_queue(name=cloud_tasks.queue_path("q-dedup"))
    waiting = cloud_tasks.create_task(task_target.url, queue="q-dedup", task_id="other")
    with pytest.raises(exceptions.AlreadyExists, match="already exists"):
        cloud_tasks.create_task(task_target.url, queue="q-dedup", task_id="other")
    cloud_tasks.client.delete_task(name=waiting.name)
    with pytest.raises(exceptions.AlreadyExists):
        cloud_tasks.create_task(task_target.url, queue="q-dedup", task_id="other")

    # After the de-duplication window the names are free again.
    window = cloud_tasks.admin("settings")["dedup_window_seconds"]
    cloud_tasks.advance(window + 2)
    cloud_tasks.wait_idle()
    again = cloud_tasks.create_task(task_target.url, queue="q-dedup", task_id="same")
    assert again.name == live.name


def test_schedule_time_and_purge(cloud_tasks: CloudTasksSimulator, task_target: TaskTarget) -> None:
    cloud_tasks.create_queue("q-later")
    later = cloud_tasks.create_task(task_target.url, queue="q-later", schedule_in=3600)
    soon = cloud_tasks.create_task(task_target.url, queue="q-later", schedule_in=7200)
    cloud_tasks.wait_idle()
    assert task_target.received == []
    cloud_tasks.advance(3601)
    cloud_tasks.wait_for_state(later.name, "succeeded")
    assert len(task_target.received) == 1
    assert cloud_tasks.client.get_task(name=soon.name).dispatch_count == 0

    purged = cloud_tasks.client.purge_queue(name=cloud_tasks.queue_path("q-later"))
    assert purged.purge_time is not None
    assert cloud_tasks.task(soon.name)["state"] == "purged"
    assert list(cloud_tasks.client.list_tasks(parent=cloud_tasks.queue_path("q-later"))) == []


def test_run_task_dispatches_even_when_paused(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    cloud_tasks.create_queue("q-run")
    cloud_tasks.client.pause_queue(name=cloud_tasks.queue_path("q-run"))
    task = cloud_tasks.create_task(task_target.url, queue="q-run", task_id="now")
    task_target.respond = lambda _request: Reply(status=500)
    dispatched = cloud_tasks.client.run_task(name=task.name, **NO_RETRY)
    # The answer shows the task as dispatched, before the target answered.
    assert dispatched.dispatch_count == 1
    assert dispatched.last_attempt.dispatch_time is not None
    failed = cloud_tasks.wait_for_task(task.name, lambda t: t["response_count"] == 1)
    assert failed["state"] == "scheduled"
    task_target.respond = lambda _request: Reply(status=204)
    cloud_tasks.client.run_task(name=task.name, **NO_RETRY)
    cloud_tasks.wait_for_state(task.name, "succeeded")
    with pytest.raises(exceptions.NotFound):
        cloud_tasks.client.run_task(name=task.name, **NO_RETRY)
