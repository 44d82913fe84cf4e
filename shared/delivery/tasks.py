"""Cloud Tasks: one HTTP task per car of a paid order, delivered to the report worker.

Task names are deterministic (a hash of order, car and generation), so enqueueing the same car
twice is refused by Cloud Tasks with ALREADY_EXISTS — counted as success. The worker is
idempotent anyway: tasks are delivered at least once, and the local emulator does not
de-duplicate names. In the cloud the task carries an OIDC token for the worker's URL; locally a
shared secret header stands in for it. The trace context travels along, so one order's logs
read as one trace.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from shared.platform.clients import tasks_client
from shared.platform.logs import current_log_context
from shared.platform.settings import Settings

logger = logging.getLogger(__name__)

WORKER_SECRET_HEADER = "X-CPT-Worker-Secret"  # noqa: S105 (a header name)


def task_id(order_id: str, vehicle_id: int, generation: int) -> str:
    # Hashed ids spread over Cloud Tasks' key space (sequential names slow de-duplication).
    return hashlib.sha256(f"{order_id}:{vehicle_id}:{generation}".encode()).hexdigest()[:32]


def enqueue_report_task(
    settings: Settings, *, session_key: str, order_id: str, vehicle_id: int, generation: int
) -> bool:
    """Queue one car's report; False when a task of that name already exists."""
    from google.api_core.exceptions import AlreadyExists
    from google.cloud import tasks_v2

    client = tasks_client()
    parent = client.queue_path(settings.project_id, settings.tasks_location, settings.tasks_queue)
    headers = {"Content-Type": "application/json", **_trace_header()}
    request: dict[str, Any] = {
        "http_method": tasks_v2.HttpMethod.POST,
        "url": settings.worker_url,
        "headers": headers,
        "body": json.dumps(
            {"session_key": session_key, "vehicle_id": vehicle_id, "generation": generation}
        ).encode(),
    }
    if settings.environment == "local":
        headers[WORKER_SECRET_HEADER] = settings.worker_shared_secret.get_secret_value()
    else:
        request["oidc_token"] = tasks_v2.OidcToken(
            service_account_email=settings.tasks_invoker_service_account,
            audience=settings.worker_url,  # the full URL: a bare host is refused (reference §3.1)
        )
    task = tasks_v2.Task(
        name=client.task_path(
            settings.project_id,
            settings.tasks_location,
            settings.tasks_queue,
            task_id(order_id, vehicle_id, generation),
        ),
        http_request=tasks_v2.HttpRequest(**request),
    )
    try:
        client.create_task(parent=parent, task=task)
    except AlreadyExists:
        return False
    return True


def _trace_header() -> dict[str, str]:
    context = current_log_context()
    trace = str(context.get("trace", ""))
    if not trace:
        return {}
    trace_id = trace.rsplit("/", 1)[-1]
    span = context.get("span_id")
    return {"X-Cloud-Trace-Context": f"{trace_id}/{span};o=1" if span else trace_id}
