"""The report worker checks Cloud Tasks' OIDC token itself: no valid token, nothing built.

Tokens come from the Cloud Tasks emulator (simulators/cloud_tasks), which signs them as Cloud
Tasks does and serves its keys where the worker fetches them (CPT_TASKS_OIDC_CERTS_URL). The
order's own tasks are held back (queue paused) while forged deliveries knock; then the queue
resumes and the emulator's real deliveries, with real tokens, complete the order.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.delivery import report_store
from shared.orders import sessions
from shared.platform.settings import get_settings
from tests.delivery.conftest import pay_free, wait_for_status
from tests.fixtures.localcloud import LocalTasksEmulator
from tests.payments.conftest import OrderDriver

WORKER_PATH = "/api/v1/internal/reports/worker"
STRANGER = "someone-else@cpt-test.iam.gserviceaccount.com"


@pytest.fixture
def held_order(
    order: OrderDriver, tasks_emulator: LocalTasksEmulator
) -> Iterator[tuple[OrderDriver, sessions.OrderSession]]:
    """A paid order whose report tasks wait in the paused queue."""
    tasks_emulator.admin("queues/reports/pause", {})
    try:
        pay_free(order, "solo", "basic")
        yield order, sessions.load_session(get_settings(), order.session_id)
    finally:
        tasks_emulator.admin("queues/reports/resume", {})


def _forged_key_token(tasks_emulator: LocalTasksEmulator, claims: dict[str, Any]) -> str:
    """Claims a task token would carry, signed by a key that is not the emulator's (same kid)."""
    kid = tasks_emulator.admin("oidc/token", {"audience": "x", "email": "x@example.com"})["kid"]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def _authorizations(tasks_emulator: LocalTasksEmulator) -> dict[str, tuple[str | None, int]]:
    settings = get_settings()
    audience, invoker = settings.worker_url, settings.tasks_invoker_service_account
    now = int(time.time())
    forged_claims = {
        "iss": "https://accounts.google.com", "aud": audience, "email": invoker,
        "email_verified": True, "sub": "1" * 21, "iat": now, "exp": now + 3600,
    }  # fmt: skip

    def token(**claims: Any) -> str:
        return tasks_emulator.token(**{"audience": audience, "email": invoker, **claims})

    return {
        "no header": (None, 401),
        "not a bearer": (f"Basic {token()}", 401),
        "garbage": ("Bearer not-a-jwt", 401),
        "wrong audience": (f"Bearer {token(audience=audience + '-other')}", 401),
        "bare host audience": (f"Bearer {token(audience=audience.split('/api/')[0])}", 401),
        "signed by another key": (
            f"Bearer {_forged_key_token(tasks_emulator, forged_claims)}",
            401,
        ),
        "expired": (f"Bearer {token(issued_at=now - 7200, lifetime=3600)}", 401),
        "other issuer": (f"Bearer {token(issuer='https://issuer.example.com')}", 401),
        "other service account": (f"Bearer {token(email=STRANGER)}", 403),
    }


def test_a_worker_request_without_a_valid_token_builds_nothing(
    held_order: tuple[OrderDriver, sessions.OrderSession],
    tasks_emulator: LocalTasksEmulator,
    fast_tesla: Any,
) -> None:
    order, session = held_order
    settings = get_settings()
    vehicle_id = session.selected_vehicle_ids[0]
    cars_before = report_store.car_documents(settings, session.session_key)
    generation = cars_before[vehicle_id].generation
    calls_before = fast_tesla.ledger()["total_calls"]
    body = {"session_key": session.session_key, "vehicle_id": vehicle_id, "generation": generation}

    for case, (authorization, status) in _authorizations(tasks_emulator).items():
        headers = {"Authorization": authorization} if authorization else {}
        response = order.gateway.post(WORKER_PATH, json=body, headers=headers)
        assert response.status_code == status, (case, response.json)
        expected_code = "unauthorized" if status == 401 else "forbidden"
        assert response.json["error"]["code"] == expected_code, case
        assert set(response.json["error"]) >= {"code", "message"}, case

    assert report_store.car_documents(settings, session.session_key) == cars_before
    assert fast_tesla.ledger()["total_calls"] == calls_before
    assert sessions.load_session(settings, order.session_id).status == session.status


def test_the_emulators_deliveries_with_real_tokens_complete_the_order(
    held_order: tuple[OrderDriver, sessions.OrderSession],
    tasks_emulator: LocalTasksEmulator,
) -> None:
    order, session = held_order
    assert session.status.value != "complete"
    tasks_emulator.admin("queues/reports/resume", {})
    finished = wait_for_status(order, "complete")
    cars = report_store.car_documents(get_settings(), finished.session_key)
    assert {car.status.value for car in cars.values()} == {"complete"}


# --- the settings behind the check -----------------------------------------------------------

DEPLOYED = {
    "CPT_ENVIRONMENT": "prd",
    "CPT_WUI_URL": "https://carpulsetracker.com",
    "CPT_TASKS_INVOKER_SERVICE_ACCOUNT": "cpt-tasks-invoker@cpt-prd.iam.gserviceaccount.com",
}


@pytest.fixture
def deployed_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(__import__("os").environ):
        if name.startswith("CPT_"):
            monkeypatch.delenv(name)
    for name, value in DEPLOYED.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_deployed_workers_verify_against_googles_keys_only(
    deployed_env: pytest.MonkeyPatch,
) -> None:
    from pydantic import ValidationError

    from shared.platform.settings import GOOGLE_OIDC_CERTS_URL, Settings

    assert Settings().tasks_oidc_certs_url == GOOGLE_OIDC_CERTS_URL
    deployed_env.setenv("CPT_TASKS_OIDC_CERTS_URL", "http://127.0.0.1:9023/oauth2/v3/certs")
    with pytest.raises(ValidationError, match="CPT_TASKS_OIDC_CERTS_URL"):
        Settings()


@pytest.mark.parametrize("invoker", [None, "cpt-tasks-invoker@cpt-local.iam.gserviceaccount.com"])
def test_deployed_functions_need_the_real_tasks_invoker(
    deployed_env: pytest.MonkeyPatch, invoker: str | None
) -> None:
    from pydantic import ValidationError

    from shared.platform.settings import Settings

    if invoker is None:
        deployed_env.delenv("CPT_TASKS_INVOKER_SERVICE_ACCOUNT")
    else:
        deployed_env.setenv("CPT_TASKS_INVOKER_SERVICE_ACCOUNT", invoker)
    with pytest.raises(ValidationError, match="CPT_TASKS_INVOKER_SERVICE_ACCOUNT"):
        Settings()


# --- what the API enqueues ----------------------------------------------------------------------


def test_tasks_carry_the_invoker_token_and_can_be_scheduled_under_a_new_name(
    app_env: dict[str, str], tasks_emulator: LocalTasksEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime, timedelta

    from google.api_core.exceptions import NotFound
    from google.cloud import tasks_v2

    from shared.delivery.tasks import enqueue_report_task, task_id
    from shared.platform.clients import tasks_client

    monkeypatch.setenv("CPT_WORKER_URL", "http://127.0.0.1:9/never-reached")
    get_settings.cache_clear()
    settings = get_settings()
    order_id = f"ord_{time.time_ns()}"
    later = datetime.now(UTC) + timedelta(hours=6)
    common = {"session_key": "k" * 64, "order_id": order_id, "vehicle_id": 7, "generation": 1}
    try:
        assert enqueue_report_task(settings, **common, not_before=later)
        assert not enqueue_report_task(settings, **common)  # the same name: refused
        assert enqueue_report_task(settings, **common, not_before=later, name_suffix="retry-1")
        first = tasks_emulator.admin(f"tasks/{task_id(order_id, 7, 1)}")
        retry = tasks_emulator.admin(f"tasks/{task_id(order_id, 7, 1, 'retry-1')}")
        for task in (first, retry):
            assert task["state"] == "scheduled" and task["dispatch_count"] == 0
            assert task["schedule_time"] == pytest.approx(later.timestamp(), abs=1)
        full = tasks_client().get_task(
            request={"name": first["name"], "response_view": tasks_v2.Task.View.FULL}
        )
        token = full.http_request.oidc_token
        assert token.service_account_email == settings.tasks_invoker_service_account
        assert token.audience == settings.worker_url
    finally:
        for name in (task_id(order_id, 7, 1), task_id(order_id, 7, 1, "retry-1")):
            with contextlib.suppress(NotFound):  # never delivered, even if a clock is advanced
                tasks_client().delete_task(
                    name=tasks_client().task_path(
                        settings.project_id, settings.tasks_location, settings.tasks_queue, name
                    )
                )
        get_settings.cache_clear()
