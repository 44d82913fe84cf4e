"""Report generation for a paid order: start, fan out per car, finish.

``start`` moves a paid order to ``generating`` and queues one Cloud Task per car whose report is
not built yet (deterministic task names). It runs automatically right after payment and again
whenever the WUI calls ``POST /reports/generate`` — an idempotent retry that re-queues only the
cars that are missing or failed. When every car has ended (complete, partial or failed — each
with its reasons), ``finish_if_done`` completes the order, writes the delivery record and
deletes the brand tokens: nothing more will be fetched.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from shared.cars.vehicles import mask_vin
from shared.delivery import report_store, tasks
from shared.delivery.report_store import FINAL, CarStatus
from shared.orders import order_state, sessions
from shared.orders.order_state import SessionStatus
from shared.platform import errors
from shared.platform.settings import Settings

logger = logging.getLogger(__name__)


def start(settings: Settings, session_key: str, *, retry_failed: bool = False) -> int:
    """Queue the cars still to build; returns how many tasks were queued. Idempotent."""
    session = sessions.load_session_by_key(settings, session_key, allow_expired=True)
    if session.status not in (SessionStatus.PAID, SessionStatus.GENERATING):
        return 0
    if session.status == SessionStatus.PAID:
        session = sessions.update_session_by_key(
            settings,
            session_key,
            lambda s: s.model_copy(
                update={"status": order_state.apply("start_generation", s.status)}
            ),
            allow_expired=True,
        )
    cars = report_store.ensure_car_documents(
        settings, session_key, session.selected_vehicle_ids, expires_at=session.expires_at
    )
    queued = 0
    for vehicle_id, car in cars.items():
        if vehicle_id not in session.selected_vehicle_ids:
            continue
        generation = int(car.get("generation", 0))
        status = car.get("status")
        if status in (CarStatus.COMPLETE, CarStatus.PARTIAL, CarStatus.RUNNING):
            continue
        if status == CarStatus.FAILED and not retry_failed:
            continue
        if retry_failed or status == CarStatus.WAITING_RECONNECT:
            # A new task name: Cloud Tasks refuses a name used in the last hours, and the old
            # task may have ended. A duplicate delivery is harmless (the worker claims a car).
            generation += 1
            report_store.update_car(
                settings, session_key, vehicle_id, status=CarStatus.PENDING.value,
                generation=generation,
            )  # fmt: skip
        if tasks.enqueue_report_task(
            settings,
            session_key=session_key,
            order_id=session.order_id,
            vehicle_id=vehicle_id,
            generation=generation,
        ):
            queued += 1
    logger.info(
        "report generation started",
        extra={"fields": {"order_id": session.order_id, "tasks_queued": queued}},
    )
    finish_if_done(settings, session_key)
    return queued


def request_generation(settings: Settings, session_id: str) -> dict[str, Any]:
    """``POST /reports/generate``: start or retry; on a complete order, nothing to do."""
    session = sessions.load_session(settings, session_id)
    if session.status == SessionStatus.RECONNECT_REQUIRED:
        raise errors.Conflict(
            "Your Tesla connection expired. Please reconnect; you will not pay again.",
            current_status=session.status.value,
            reason="reconnect_required",
        )
    if session.status != SessionStatus.COMPLETE:
        order_state.apply("start_generation", session.status)
        start(settings, session.session_key, retry_failed=True)
        session = sessions.load_session(settings, session_id)
    return {"status": session.status.value, "vehicle_count": len(session.selected_vehicle_ids)}


def finish_if_done(settings: Settings, session_key: str) -> bool:
    """Complete the order once every car has ended; True if it is (now) complete."""
    from google.cloud import firestore

    from shared.platform.clients import firestore_client

    reference = report_store.session_reference(settings, session_key)
    cars_collection = reference.collection(report_store.CAR_REPORTS)

    @firestore.transactional
    def complete(transaction: firestore.Transaction) -> tuple[bool, sessions.OrderSession | None]:
        snapshot = reference.get(transaction=transaction)
        session = sessions.OrderSession.model_validate(snapshot.to_dict())
        if session.status == SessionStatus.COMPLETE:
            return True, None
        if session.status != SessionStatus.GENERATING:
            return False, None
        cars = {
            int(doc.id): doc.to_dict() for doc in cars_collection.stream(transaction=transaction)
        }
        if any(cars.get(v, {}).get("status") not in FINAL for v in session.selected_vehicle_ids):
            return False, None
        done = session.model_copy(
            update={
                "status": order_state.apply("finish_generation", session.status),
                "tokens": None,  # nothing more to fetch: the tokens go
                "updated_at": datetime.now(UTC),
            }
        )
        transaction.set(reference, done.model_dump(mode="python"))
        return True, done

    finished, session = complete(firestore_client().transaction())
    if session is not None:
        _write_delivery_record(settings, session)
        logger.info("order complete", extra={"fields": {"order_id": session.order_id}})
    return finished


def _write_delivery_record(settings: Settings, session: sessions.OrderSession) -> None:
    """``{order_id}/delivery.json``: what was delivered per car, and the Tesla calls it cost."""
    cars = report_store.car_documents(settings, session.session_key)
    record = {
        "order_id": session.order_id,
        "completed_at": datetime.now(UTC).isoformat(),
        "cars": [
            {
                "vehicle_id": vehicle.id,
                "vin": mask_vin(vehicle.vin),
                "status": cars.get(vehicle.id, {}).get("status"),
                "reason": cars.get(vehicle.id, {}).get("reason"),
                "modules": cars.get(vehicle.id, {}).get("modules"),
                "tesla_calls": cars.get(vehicle.id, {}).get("tesla_calls", []),
                "tesla_cost_micro_usd": cars.get(vehicle.id, {}).get("tesla_cost_micro_usd", 0),
            }
            for vehicle in session.selected_vehicles
        ],
        "order_tesla_calls": report_store.artifact_reference(
            settings, session.session_key, "charging_history"
        )
        .get()
        .to_dict()
        or {},
    }
    report_store.write_blob_once(
        settings,
        f"{session.order_id}/delivery.json",
        json.dumps(record, indent=2, default=str).encode(),
        "application/json",
    )


def resume_after_reconnect(settings: Settings, session_key: str) -> None:
    """A reconnected order continues where it stopped, without a new payment."""
    start(settings, session_key, retry_failed=True)
