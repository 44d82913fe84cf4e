"""Delivery faults (drop, duplicate, delay, kill), the admin API, and the CLI entry point."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import grpc
import requests
from google.cloud import tasks_v2
from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

from simulators.cloud_tasks import CloudTasksConfig, CloudTasksEmulator
from tests.fixtures.cloud_tasks_sim import *  # noqa: F403
from tests.fixtures.cloud_tasks_sim import CloudTasksSimulator, Reply, TaskTarget

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_drop_fails_the_attempt_without_sending(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    cloud_tasks.create_queue("q-drop", min_backoff=0.05, max_backoff=0.05)
    rule = cloud_tasks.inject(kind="drop", task="dropped-once", count=1)
    assert rule["kind"] == "drop"
    task = cloud_tasks.create_task(task_target.url, queue="q-drop", task_id="dropped-once")
    done = cloud_tasks.wait_for_state(task.name, "succeeded")
    first, second = done["attempts"]
    assert first["outcome"] == "dropped"
    assert first["fault"]["kind"] == "drop"
    assert first["rpc_code"] == 14  # UNAVAILABLE
    assert second["outcome"] == "ok"
    assert len(task_target.received) == 1  # only the retry reached the target
    assert task_target.received[0].headers["X-Cloudtasks-Taskretrycount"] == "1"
    assert cloud_tasks.admin("faults")["faults"][0]["exhausted"] is True


def test_duplicate_sends_the_same_request_twice_concurrently(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    cloud_tasks.create_queue("q-dup")
    cloud_tasks.inject(kind="duplicate", queue="q-dup")
    task_target.respond = lambda _request: Reply(delay=0.3)
    task = cloud_tasks.create_task(
        task_target.url,
        queue="q-dup",
        body=b"payload",
        oidc_email="sa@cpt-test.iam.gserviceaccount.com",
    )
    cloud_tasks.wait_for_state(task.name, "succeeded")
    done = cloud_tasks.wait_for_task(
        task.name, lambda t: t["attempts"][0]["duplicates"][0]["outcome"] == "ok"
    )
    original, copy = task_target.wait_finished(2)
    assert task_target.peak_in_flight == 2  # both copies were being worked on at once
    assert original.body == copy.body == b"payload"
    assert original.headers == copy.headers  # same task headers, same token
    assert done["dispatch_count"] == 1  # one attempt, delivered twice
    assert done["attempts"][0]["duplicates"][0]["status_code"] == 200


def test_delay_holds_a_delivery_back(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    cloud_tasks.create_queue("q-delay")
    cloud_tasks.inject(kind="delay", task="late", seconds=0.5)
    late = cloud_tasks.create_task(task_target.url, queue="q-delay", task_id="late")
    early = cloud_tasks.create_task(task_target.url, queue="q-delay", task_id="early")
    cloud_tasks.wait_for_state(late.name, "succeeded")
    cloud_tasks.wait_for_state(early.name, "succeeded")
    order = [request.headers["X-Cloudtasks-Taskname"] for request in task_target.received]
    assert order == ["early", "late"]  # created first, delivered last
    gap = task_target.received[1].arrived - task_target.received[0].arrived
    assert gap >= 0.4


def test_delay_past_the_deadline_never_sends(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    cloud_tasks.create_queue("q-delay-deadline", min_backoff=0.05, max_backoff=0.05)
    cloud_tasks.inject(kind="delay", seconds=0.5)
    task = cloud_tasks.create_task(task_target.url, queue="q-delay-deadline", dispatch_deadline=15)
    cloud_tasks.wait_for_task(task.name, lambda t: t["attempts"][0]["fault"] is not None)
    cloud_tasks.advance(16)  # the deadline passes while the request is held back
    done = cloud_tasks.wait_for_state(task.name, "succeeded")
    assert done["attempts"][0]["outcome"] == "deadline_exceeded"
    assert len(task_target.received) == 1


def test_kill_closes_the_connection_after_the_target_got_the_request(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    cloud_tasks.create_queue("q-kill", min_backoff=0.05, max_backoff=0.05)
    cloud_tasks.inject(kind="kill", task="killed", seconds=0.1)
    task_target.respond = lambda _request: Reply(delay=0.3)
    task = cloud_tasks.create_task(task_target.url, queue="q-kill", task_id="killed")
    done = cloud_tasks.wait_for_state(task.name, "succeeded")
    first, second = done["attempts"]
    assert first["outcome"] == "killed"
    assert first["status_code"] is None
    assert second["outcome"] == "ok"
    # The worker ran twice: once for the lost response, once for the retry.
    received = task_target.wait_finished(2)
    assert [r.headers["X-Cloudtasks-Taskretrycount"] for r in received] == ["0", "1"]


def test_fault_rules_always_and_removal(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    cloud_tasks.create_queue("q-rules", max_attempts=3, min_backoff=0.02, max_backoff=0.02)
    rule = cloud_tasks.inject(kind="drop", queue="q-rules", always=True)
    task = cloud_tasks.create_task(task_target.url, queue="q-rules")
    failed = cloud_tasks.wait_for_state(task.name, "failed")
    assert [a["outcome"] for a in failed["attempts"]] == ["dropped"] * 3
    assert cloud_tasks.admin(f"faults/{rule['id']}", method="DELETE") == {"removed": rule["id"]}
    assert cloud_tasks.admin("faults")["faults"] == []
    bad = cloud_tasks.http.post(f"{cloud_tasks.url}/admin/faults", json={"kind": "boom"}, timeout=5)
    assert bad.status_code == 400


def test_admin_views_and_queue_put(
    cloud_tasks: CloudTasksSimulator, task_target: TaskTarget
) -> None:
    queue = cloud_tasks.admin(
        "queues",
        {
            "name": cloud_tasks.queue_path("q-admin"),
            "rateLimits": {"maxConcurrentDispatches": 2},
            "retryConfig": {"minBackoff": "0.5s", "maxAttempts": 5},
        },
    )
    assert queue["rate_limits"]["max_concurrent_dispatches"] == 2
    assert queue["retry_config"]["min_backoff"] == "0.500s"
    cloud_tasks.admin("queues/q-admin/pause", {})
    task = cloud_tasks.create_task(task_target.url, queue="q-admin", task_id="via-admin")
    assert cloud_tasks.tasks(queue="q-admin", live="1")[0]["name"] == task.name
    ran = cloud_tasks.admin(f"tasks/{task.name}/run", {})
    assert ran["dispatch_count"] == 1
    cloud_tasks.wait_for_state("via-admin", "succeeded")
    assert cloud_tasks.tasks(state="succeeded")[0]["task_id"] == "via-admin"
    missing = cloud_tasks.http.get(f"{cloud_tasks.url}/admin/tasks/nope", timeout=5)
    assert missing.status_code == 404
    clock = cloud_tasks.admin("clock", {"freeze": True})
    assert clock["frozen"] is True
    assert cloud_tasks.admin("clock", {"advance_seconds": 10})["offset_seconds"] >= 10
    cloud_tasks.admin(f"queues/{cloud_tasks.queue_path('q-admin')}", method="DELETE")
    assert [q["name"] for q in cloud_tasks.admin("queues")["queues"]] == [cloud_tasks.queue_path()]


def test_in_process_api_binds_loopback_and_refuses_a_taken_port() -> None:
    config = CloudTasksConfig(queues=["projects/p/locations/l/queues/q"])
    with CloudTasksEmulator(config) as first:
        assert first.grpc_target.startswith("127.0.0.1:")
        client = first.client()
        try:
            assert client.get_queue(name="projects/p/locations/l/queues/q").name.endswith("/q")
        finally:
            client.transport.close()
        clash = CloudTasksEmulator(CloudTasksConfig(grpc_port=first.grpc_port))
        try:
            clash.start()
        except RuntimeError:
            pass
        else:
            clash.stop()
            raise AssertionError("a second emulator bound the same gRPC port")


def test_command_line_entry_point(task_target: TaskTarget) -> None:
    queue = "projects/cli/locations/l/queues/q"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulators.cloud_tasks",
            "--grpc-port",
            "0",
            "--http-port",
            "0",
            "--queue",
            queue,
            "--max-concurrent-dispatches",
            "4",
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"grpc (\S+), http (\S+),", line)
        assert match, line
        grpc_target, http_url = match.groups()
        assert requests.get(f"{http_url}/health", timeout=5).json() == {"status": "ok"}
        channel = grpc.insecure_channel(grpc_target)
        client = tasks_v2.CloudTasksClient(transport=CloudTasksGrpcTransport(channel=channel))
        try:
            assert client.get_queue(name=queue).rate_limits.max_concurrent_dispatches == 4
            client.create_task(
                parent=queue,
                task=tasks_v2.Task(http_request=tasks_v2.HttpRequest(url=task_target.url)),
            )
        finally:
            client.transport.close()
        assert len(task_target.wait_for(1, timeout=5)) == 1
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
    assert process.returncode == 0
