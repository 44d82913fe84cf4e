"""The local cloud against the real emulators, through the real client libraries."""

from __future__ import annotations

import itertools
import os
import queue
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from werkzeug.wrappers import Request, Response

from dev import localcloud
from dev.localcloud import (
    CLOUD_REPORTS_QUEUE,
    FAST_RETRY_REPORTS_QUEUE,
    FIRESTORE_INSTALL_HINT,
    STRIPE_TEST_SECRET_KEY,
    LocalCloud,
    MissingToolError,
    ServiceStartError,
    cloud_tasks_client,
    process_group_alive,
    register_stripe_webhook,
    reset_firestore,
    start_firestore,
    start_gcs,
    start_stripe,
    start_tasks,
)
from dev.serving import serve_in_thread
from tests.fixtures.localcloud import TEST_PROJECT

DELIVERY_TIMEOUT_S = 10


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@contextmanager
def recording_server(status: int = 200) -> Iterator[tuple[str, queue.Queue[ReceivedRequest]]]:
    """A throw-away HTTP server on loopback that answers `status` and records every request."""
    received: queue.Queue[ReceivedRequest] = queue.Queue()

    @Request.application
    def record(request: Request) -> Response:
        received.put(
            ReceivedRequest(request.method, request.path, dict(request.headers), request.get_data())
        )
        return Response("recorded", status=status)

    with serve_in_thread(record, "task-target", poll_interval=0.02) as url:
        yield url, received


def group_members(pgid: int) -> list[int]:
    """Pids whose process group is `pgid`, read from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # Field 5 is the pgid; split after the ")" that closes the command name.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:
            members.append(int(stat.parent.name))
    return members


# --- Firestore ------------------------------------------------------------------------------


def test_firestore_write_read_transaction_and_reset(firestore_db, local_cloud: LocalCloud) -> None:
    from google.cloud import firestore

    counter = firestore_db.collection("counters").document("reports")
    counter.set({"count": 1, "owner": "test"})
    assert counter.get().to_dict() == {"count": 1, "owner": "test"}

    @firestore.transactional
    def increment(transaction: firestore.Transaction) -> int:
        current = counter.get(transaction=transaction).get("count")
        transaction.update(counter, {"count": current + 1})
        return current + 1

    assert increment(firestore_db.transaction()) == 2
    assert counter.get().get("count") == 2

    reset_firestore(local_cloud.env["FIRESTORE_EMULATOR_HOST"], TEST_PROJECT)
    assert not counter.get().exists


# --- Cloud Storage --------------------------------------------------------------------------


def test_gcs_upload_download_and_create_only_precondition(gcs_bucket) -> None:
    from google.api_core.exceptions import PreconditionFailed

    manifest = gcs_bucket.blob("orders/ord_1/manifest.json")
    manifest.upload_from_string(b'{"v": 1}', content_type="application/json", if_generation_match=0)
    assert gcs_bucket.blob("orders/ord_1/manifest.json").download_as_bytes() == b'{"v": 1}'

    # Create-only: a second create of the same name must fail, the first content stays.
    with pytest.raises(PreconditionFailed):
        gcs_bucket.blob("orders/ord_1/manifest.json").upload_from_string(
            b'{"v": 2}', if_generation_match=0
        )
    assert manifest.download_as_bytes() == b'{"v": 1}'

    # -public-host makes path-style URLs (what signed URLs point at) resolve locally.
    emulator = os.environ["STORAGE_EMULATOR_HOST"]
    response = requests.get(f"{emulator}/{gcs_bucket.name}/orders/ord_1/manifest.json", timeout=5)
    assert response.status_code == 200
    assert response.content == b'{"v": 1}'


# --- Cloud Tasks ----------------------------------------------------------------------------


def test_cloud_tasks_http_task_is_dispatched_with_headers_and_a_verifiable_oidc_token(
    local_cloud: LocalCloud,
) -> None:
    from google.cloud import tasks_v2

    from shared.platform.oidc import verify_bearer

    client = cloud_tasks_client(os.environ["CPT_TASKS_EMULATOR_HOST"])
    queue_path = client.queue_path(TEST_PROJECT, local_cloud.location, "reports")
    invoker = "cpt-tasks-invoker@cpt-test.iam.gserviceaccount.com"
    with recording_server() as (url, received):
        task = client.create_task(
            parent=queue_path,
            task=tasks_v2.Task(
                name=f"{queue_path}/tasks/report-{uuid.uuid4().hex}",
                http_request=tasks_v2.HttpRequest(
                    http_method=tasks_v2.HttpMethod.POST,
                    url=f"{url}/worker",
                    headers={"Content-Type": "application/json"},
                    body=b'{"vehicle": "v1"}',
                    oidc_token=tasks_v2.OidcToken(
                        service_account_email=invoker, audience=f"{url}/worker"
                    ),
                ),
            ),
        )
        delivered = received.get(timeout=DELIVERY_TIMEOUT_S)
    client.transport.close()

    assert (delivered.method, delivered.path, delivered.body) == (
        "POST",
        "/worker",
        b'{"vehicle": "v1"}',
    )
    assert delivered.headers["X-Cloudtasks-Queuename"] == "reports"
    assert delivered.headers["X-Cloudtasks-Taskname"] == task.name.rsplit("/", 1)[-1]
    assert delivered.headers["X-Cloudtasks-Taskretrycount"] == "0"
    caller = verify_bearer(
        delivered.headers["Authorization"],
        certs_url=os.environ["CPT_TASKS_OIDC_CERTS_URL"],
        audience=f"{url}/worker",
        service_account=invoker,
    )
    assert caller.email == invoker


def test_cloud_tasks_refuses_a_task_name_used_before(local_cloud: LocalCloud) -> None:
    from google.api_core.exceptions import AlreadyExists
    from google.cloud import tasks_v2

    client = cloud_tasks_client(os.environ["CPT_TASKS_EMULATOR_HOST"])
    queue_path = client.queue_path(TEST_PROJECT, local_cloud.location, "reports")
    with recording_server() as (url, received):
        task = tasks_v2.Task(
            name=f"{queue_path}/tasks/once-{uuid.uuid4().hex}",
            http_request=tasks_v2.HttpRequest(url=url),
        )
        client.create_task(parent=queue_path, task=task)
        received.get(timeout=DELIVERY_TIMEOUT_S)
        with pytest.raises(AlreadyExists):  # also once the first one has completed
            client.create_task(parent=queue_path, task=task)
    client.transport.close()


def test_cloud_tasks_failed_task_is_retried_on_the_queue_schedule_up_to_max_attempts(
    local_cloud: LocalCloud,
) -> None:
    from google.cloud import tasks_v2

    config = FAST_RETRY_REPORTS_QUEUE  # what tests/fixtures/localcloud.py starts
    client = cloud_tasks_client(os.environ["CPT_TASKS_EMULATOR_HOST"])
    queue_path = client.queue_path(TEST_PROJECT, local_cloud.location, "reports")
    with recording_server(status=500) as (url, received):
        client.create_task(
            parent=queue_path, task=tasks_v2.Task(http_request=tasks_v2.HttpRequest(url=url))
        )
        attempts = [received.get(timeout=DELIVERY_TIMEOUT_S) for _ in range(config.max_attempts)]
        with pytest.raises(queue.Empty):  # max_attempts reached: no more
            received.get(timeout=2 * config.max_backoff_s)
    client.transport.close()
    assert [a.headers["X-Cloudtasks-Taskretrycount"] for a in attempts] == [
        str(n) for n in range(config.max_attempts)
    ]
    etas = [float(a.headers["X-Cloudtasks-Tasketa"]) for a in attempts]
    gaps = [later - earlier for earlier, later in itertools.pairwise(etas)]
    # 0.05, 0.1, 0.2, 0.4, 0.8: min backoff doubled max_doublings times, capped at max backoff.
    expected = [min(config.min_backoff_s * 2**n, config.max_backoff_s) for n in range(len(gaps))]
    assert gaps == pytest.approx(expected, abs=0.3), gaps


def test_tasks_queue_gets_the_cloud_retry_config_and_both_ports_close_on_stop() -> None:
    config = CLOUD_REPORTS_QUEUE
    service = start_tasks(project="cpt-mirror", queue_config=config)
    grpc_port = int(service.env["CPT_TASKS_EMULATOR_HOST"].rsplit(":", 1)[1])
    http_port = int(service.links["http"].rsplit(":", 1)[1])
    try:
        assert requests.get(f"{service.links['http']}/health", timeout=5).json() == {"status": "ok"}
        assert service.env["CPT_TASKS_OIDC_CERTS_URL"] == service.links["certs"]
        assert requests.get(service.links["certs"], timeout=5).json()["keys"]
        client = cloud_tasks_client(service.env["CPT_TASKS_EMULATOR_HOST"])
        found = client.get_queue(name=client.queue_path("cpt-mirror", "europe-north1", "reports"))
        client.transport.close()
        retry, limits = found.retry_config, found.rate_limits
        assert (retry.max_attempts, retry.max_doublings) == (config.max_attempts, 4)
        assert retry.min_backoff.total_seconds() == config.min_backoff_s == 10
        assert retry.max_backoff.total_seconds() == config.max_backoff_s == 300
        assert retry.max_retry_duration.total_seconds() == config.max_retry_duration_s
        assert limits.max_concurrent_dispatches == config.max_concurrent_dispatches
        assert limits.max_dispatches_per_second == config.max_dispatches_per_second
    finally:
        service.stop()
    assert not process_group_alive(service.pid)
    for port in (grpc_port, http_port):  # nobody listens any more
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_tasks_emulator_refuses_a_taken_http_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(ServiceStartError, match="in use"):
            start_tasks(http_port=taken.getsockname()[1])


# --- Stripe ---------------------------------------------------------------------------------


def test_localstripe_payment_intent_sends_signed_webhook(stripe_api: str) -> None:
    import stripe

    secret = "whsec_localcloud_test"
    with recording_server() as (url, received):
        register_stripe_webhook(
            stripe_api, "localcloud-test", f"{url}/webhooks/stripe", secret,
            events=["payment_intent.succeeded"],
        )  # fmt: skip
        client = stripe.StripeClient(STRIPE_TEST_SECRET_KEY, base_addresses={"api": stripe_api})
        intent = client.v1.payment_intents.create(
            params={
                "amount": 2990,
                "currency": "eur",
                "payment_method": "pm_card_visa",
                "confirm": True,
                "metadata": {"order_id": "ord_1"},
            }
        )
        assert intent.status == "succeeded"
        delivered = received.get(timeout=DELIVERY_TIMEOUT_S)  # localstripe waits ~1 s

    event = stripe.Webhook.construct_event(
        delivered.body, delivered.headers["Stripe-Signature"], secret
    )
    assert event.type == "payment_intent.succeeded"
    assert event.data.object.id == intent.id
    assert event.data.object.metadata["order_id"] == "ord_1"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(
            delivered.body, delivered.headers["Stripe-Signature"], "whsec_wrong"
        )


def test_stripe_reset_forgets_objects(stripe_api: str) -> None:
    import stripe

    client = stripe.StripeClient(STRIPE_TEST_SECRET_KEY, base_addresses={"api": stripe_api})
    client.v1.customers.create(params={"email": "a@example.com"})
    assert len(client.v1.customers.list().data) == 1
    localcloud.reset_stripe(stripe_api)
    assert client.v1.customers.list().data == []


# --- Process handling and errors --------------------------------------------------------------


def test_missing_gcloud_raises_the_install_instruction(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no gcloud, no java
    with pytest.raises(MissingToolError) as raised:
        start_firestore()
    assert str(raised.value) == FIRESTORE_INSTALL_HINT
    assert "apt-get install google-cloud-cli google-cloud-cli-firestore-emulator" in str(
        raised.value
    )
    assert "gcloud components install cloud-firestore-emulator" in str(raised.value)
    assert "openjdk-17-jre-headless" in str(raised.value)


def test_missing_java_raises_the_java_install_instruction(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real_gcloud = shutil.which("gcloud")
    assert real_gcloud is not None
    (tmp_path / "gcloud").symlink_to(real_gcloud)  # gcloud and the emulator found, java not
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA", raising=False)
    with pytest.raises(MissingToolError, match="apt-get install openjdk-17-jre-headless"):
        start_firestore()


def test_stop_kills_the_whole_process_tree_and_is_idempotent() -> None:
    service = start_firestore()
    members = group_members(service.pid)
    assert len(members) >= 2, "expected the emulator script and its java child"
    assert service.running

    service.stop()

    assert not process_group_alive(service.pid)
    assert group_members(service.pid) == []
    assert not service.running
    assert not service.log_path.exists()  # its temp dir is gone too
    service.stop()  # second stop: no error


def test_early_exit_reports_the_tail_of_the_output(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    crashing = tmp_path / "fake-gcs-server"
    crashing.write_text("#!/bin/sh\necho 'listen tcp: address already in use' >&2\nexit 3\n")
    crashing.chmod(0o755)
    monkeypatch.setattr(localcloud, "_fake_gcs_binary", lambda: crashing)
    workdir = tmp_path / "gcs-workdir"
    workdir.mkdir()
    monkeypatch.setattr(localcloud, "_new_workdir", lambda name: workdir)

    with pytest.raises(ServiceStartError, match=r"(?s)gcs exited with code 3.*already in use"):
        start_gcs()
    assert (workdir / "output.log").exists()  # a failed service keeps its log for a post-mortem


def test_taken_port_is_refused_before_spawning() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(ServiceStartError, match="in use"):
            start_stripe(taken.getsockname()[1])


@pytest.mark.parametrize("failure", [MissingToolError("no gcloud"), KeyboardInterrupt()])
def test_failed_or_interrupted_start_stops_what_already_started(
    monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    started: list[localcloud.RunningService] = []
    real_start_gcs = localcloud.start_gcs

    def start_gcs_and_remember(*args: object, **kwargs: object) -> localcloud.RunningService:
        service = real_start_gcs(*args, **kwargs)
        started.append(service)
        return service

    def fail_after_gcs_is_up(*args: object, **kwargs: object) -> localcloud.RunningService:
        deadline = time.monotonic() + 10
        while not started and time.monotonic() < deadline:  # let gcs (≈0.05 s) come up first
            time.sleep(0.02)
        raise failure

    monkeypatch.setattr(localcloud, "start_gcs", start_gcs_and_remember)
    monkeypatch.setattr(localcloud, "start_firestore", fail_after_gcs_is_up)
    before = set(localcloud._live_children)

    with pytest.raises(type(failure)):
        LocalCloud(project="cpt-cancel").start()

    assert started, "gcs should have been up before the failure"
    assert not process_group_alive(started[0].pid)
    assert set(localcloud._live_children) <= before  # nothing started here is left running
    # ...and the other starters' threads give up promptly instead of probing a dead child.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(
        thread.name.startswith("localcloud") for thread in threading.enumerate()
    ):
        time.sleep(0.05)
    assert not [t.name for t in threading.enumerate() if t.name.startswith("localcloud")]
