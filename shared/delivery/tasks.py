"""Cloud Tasks: one HTTP task per car of a paid order, delivered to the report worker.

Task names are deterministic (a hash of order, car, generation and an optional suffix), so
enqueueing the same car twice is refused by Cloud Tasks with ALREADY_EXISTS — also for a name
used in the last day or so — which counts as success. The worker is idempotent anyway: tasks
are delivered at least once. Every task carries an OIDC token of the tasks service account for
the worker's full URL, which the worker verifies (shared/platform/oidc.py); locally the Cloud
Tasks emulator signs it with its own key. The trace context travels along, so one order's logs
read as one trace.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime

from shared.platform.clients import tasks_client
from shared.platform.logs import current_log_context
from shared.platform.settings import Settings

logger = logging.getLogger(__name__)


def task_id(order_id: str, vehicle_id: int, generation: int, suffix: str = "") -> str:
    # Hashed ids spread over Cloud Tasks' key space (sequential names slow de-duplication).
    key = f"{order_id}:{vehicle_id}:{generation}" + (f":{suffix}" if suffix else "")
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def enqueue_report_task(
    settings: Settings,
    *,
    session_key: str,
    order_id: str,
    vehicle_id: int,
    generation: int,
    not_before: datetime | None = None,
    name_suffix: str = "",
) -> bool:
    """Queue one car's report; False when a task of that name already exists (or did lately).

    ``not_before`` (timezone-aware) schedules the delivery for later. ``name_suffix`` makes a
    distinct, still deterministic name for another task of the same car and generation (a
    scheduled retry), which a plain enqueue of that car would not collide with.
    """
    from google.api_core.exceptions import AlreadyExists
    from google.cloud import tasks_v2

    client = tasks_client()
    parent = client.queue_path(settings.project_id, settings.tasks_location, settings.tasks_queue)
    task = tasks_v2.Task(
        name=client.task_path(
            settings.project_id,
            settings.tasks_location,
            settings.tasks_queue,
            task_id(order_id, vehicle_id, generation, name_suffix),
        ),
        http_request=tasks_v2.HttpRequest(
            http_method=tasks_v2.HttpMethod.POST,
            url=settings.worker_url,
            headers={"Content-Type": "application/json", **_trace_header()},
            body=json.dumps(
                {"session_key": session_key, "vehicle_id": vehicle_id, "generation": generation}
            ).encode(),
            oidc_token=tasks_v2.OidcToken(
                service_account_email=settings.tasks_invoker_service_account,
                # The full URL: a bare host is refused (reference §3.1); the worker checks it.
                audience=settings.worker_url,
            ),
        ),
    )
    if not_before is not None:
        if not_before.tzinfo is None:
            raise ValueError("not_before must be timezone-aware")
        task.schedule_time = not_before  # proto-plus turns it into a Timestamp
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
