"""Report generation for a paid order: start, fan out per car, finish.

``start`` moves a paid order to ``generating`` and queues one Cloud Task per car whose report is
not built yet (deterministic task names). It runs automatically right after payment and again
whenever the WUI calls ``POST /reports/generate`` — an idempotent retry that re-queues only the
cars that are missing or failed. When every car has ended (complete, partial or failed — each
with its reasons), ``finish_if_done`` completes the order, writes the delivery record and
deletes the brand tokens: nothing more will be fetched — unless a car that could not be woken
has a retry planned. The order is complete then too (the customer has every report, one of them
partial and marked as retried later); the tokens stay until its last retry has ended
(``retry_ended``), and the delivery record is rewritten after each retry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.cars.vehicles import mask_vin
from shared.delivery import report_store, tasks
from shared.delivery.report_store import CarReport, CarStatus, CarUpdate
from shared.orders import order_state, sessions
from shared.orders.order_state import SessionStatus
from shared.platform import errors
from shared.platform.settings import Settings
from shared.platform.signals import Signal, signal

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Started:
    queued: int  # tasks queued by this call
    stored: sessions.Stored  # the session as this call last read or wrote it
    complete: bool = False  # every car had ended: the order is complete now


def start(
    settings: Settings,
    session_key: str,
    *,
    retry_failed: bool = False,
    read: sessions.Stored | None = None,
) -> Started:
    """Queue the cars still to build. Idempotent. ``read``: the session the caller holds."""
    read = read or sessions.load_by_key(settings, session_key, allow_expired=True)
    if read.session.status not in (SessionStatus.PAID, SessionStatus.GENERATING):
        return Started(0, read)
    starting = read.session.status == SessionStatus.PAID
    if starting:
        read, _ = sessions.update(
            settings, session_key, _start_generation, read=read, allow_expired=True
        )
    session = read.session
    cars = report_store.ensure_car_documents(
        settings,
        session_key,
        session.selected_vehicle_ids,
        expires_at=session.expires_at,
        # Paid a moment ago: no car has a document yet (if one has, it is read instead).
        none_yet=starting,
    )
    to_build: dict[int, int] = {}  # vehicle id → task generation
    for vehicle_id in session.selected_vehicle_ids:
        generation = _generation_to_queue(settings, session_key, cars[vehicle_id], retry_failed)
        if generation is not None:
            to_build[vehicle_id] = generation
    queued = sum(
        tasks.enqueue_report_task(
            settings,
            session_key=session_key,
            order_id=session.order_id,
            vehicle_id=vehicle_id,
            generation=generation,
        )
        for vehicle_id, generation in to_build.items()
    )
    logger.info(
        "report generation started",
        extra={"fields": {"order_id": session.order_id, "tasks_queued": queued}},
    )
    # A car still to build completes the order itself when it ends (the worker calls this).
    ended = not to_build and all(cars[v].is_final for v in session.selected_vehicle_ids)
    return Started(queued, read, complete=ended and finish_if_done(settings, session_key))


def _start_generation(session: sessions.OrderSession) -> tuple[sessions.OrderSession, None]:
    status = order_state.apply("start_generation", session.status)
    return session.model_copy(update={"status": status}), None


def _generation_to_queue(
    settings: Settings, session_key: str, car: CarReport, retry_failed: bool
) -> int | None:
    """The task generation to queue the car with; None when it needs no task."""
    if car.status in (CarStatus.COMPLETE, CarStatus.PARTIAL, CarStatus.RUNNING):
        return None
    if car.status == CarStatus.FAILED and not retry_failed:
        return None
    if car.status not in (CarStatus.FAILED, CarStatus.WAITING_RECONNECT):
        # Pending: its task (this name) is queued or being retried; a new name per generate
        # call would queue the car once per call and build (and bill) it more than once.
        return car.generation
    # A new task name: Cloud Tasks refuses a name used in the last hours, and the old task may
    # have ended. A duplicate delivery is harmless (the worker claims a car).
    generation = car.generation + 1
    report_store.update_car(
        settings,
        session_key,
        car.vehicle_id,
        CarUpdate(status=CarStatus.PENDING, generation=generation),
    )
    return generation


def request_generation(settings: Settings, session_id: str) -> dict[str, Any]:
    """``POST /reports/generate``: start or retry; on a complete order, nothing to do."""
    read = sessions.load(settings, session_id)
    session = read.session
    if session.status == SessionStatus.RECONNECT_REQUIRED:
        raise errors.Conflict(
            "Your Tesla connection expired. Please reconnect; you will not pay again.",
            current_status=session.status.value,
            reason="reconnect_required",
        )
    status: SessionStatus = session.status
    if status != SessionStatus.COMPLETE:
        order_state.apply("start_generation", status)
        started = start(settings, session.session_key, retry_failed=True, read=read)
        status = SessionStatus.COMPLETE if started.complete else started.stored.session.status
    return {"status": status.value, "vehicle_count": len(session.selected_vehicle_ids)}


def finish_if_done(settings: Settings, session_key: str) -> bool:
    """Complete the order once every car has ended; True if it is (now) complete."""
    from google.cloud import firestore

    from shared.platform.clients import firestore_client

    reference = report_store.session_reference(settings, session_key)

    @firestore.transactional
    def complete(transaction: firestore.Transaction) -> tuple[bool, sessions.OrderSession | None]:
        snapshot = reference.get(transaction=transaction)
        session = sessions.session_from_document(snapshot.to_dict() or {})
        if session.status == SessionStatus.COMPLETE:
            return True, None
        if session.status != SessionStatus.GENERATING:
            return False, None
        cars = report_store.car_documents(settings, session_key, transaction=transaction)
        if not all(v in cars and cars[v].is_final for v in session.selected_vehicle_ids):
            return False, None
        retrying = any(car.next_attempt_at is not None for car in cars.values())
        done = session.model_copy(
            update={
                "status": order_state.apply("finish_generation", session.status),
                # Nothing more to fetch: the tokens go — after an offline car's last retry.
                "tokens": session.tokens if retrying else None,
                "updated_at": datetime.now(UTC),
            }
        )
        transaction.set(reference, sessions.session_document(done))
        return True, done

    finished: bool
    finished, session = complete(firestore_client().transaction())
    if session is not None:
        write_delivery_record(settings, session)
        logger.info("order complete", extra={"fields": {"order_id": session.order_id}})
        signal_complete(session, datetime.now(UTC))
    return finished


def signal_complete(session: sessions.OrderSession, now: datetime) -> None:
    """``order_complete`` with the payment → complete latency (the dashboard's and the funnel's
    last step), once: only the transaction that completed the order gets here."""
    paid_at = session.paid_at
    signal(
        Signal.ORDER_COMPLETE,
        order_id=session.order_id,
        package=session.selected_package.value if session.selected_package else None,
        vehicle_count=len(session.selected_vehicle_ids),
        latency_s=round((now - paid_at).total_seconds(), 1) if paid_at else None,
    )


def retry_ended(settings: Settings, session_key: str) -> None:
    """After an offline car's retry in a complete order: rewrite the delivery record, and drop
    the tokens once no car has a retry planned any more."""
    session = sessions.load_session_by_key(settings, session_key, allow_expired=True)
    if session.status != SessionStatus.COMPLETE:
        return
    cars = report_store.car_documents(settings, session_key)
    if session.tokens is not None and all(car.next_attempt_at is None for car in cars.values()):
        session = sessions.update_session_by_key(
            settings,
            session_key,
            lambda current: current.model_copy(update={"tokens": None}),
            allow_expired=True,
        )
        logger.info("order retries ended", extra={"fields": {"order_id": session.order_id}})
    write_delivery_record(settings, session, replace=True)


def write_delivery_record(
    settings: Settings, session: sessions.OrderSession, *, replace: bool = False
) -> None:
    cars = report_store.car_documents(settings, session.session_key)
    history, _ = report_store.history_artifact(settings, session.session_key)
    delivered = []
    for vehicle in session.selected_vehicles:
        car = cars.get(vehicle.id)
        delivered.append(
            report_store.DeliveredCar(
                vehicle_id=vehicle.id,
                vin=mask_vin(vehicle.vin),
                status=car.status if car else None,
                reason=car.reason if car else None,
                modules=car.modules if car else None,
                tesla_calls=car.tesla_calls if car else [],
                tesla_cost_micro_usd=car.tesla_cost_micro_usd if car else 0,
                next_attempt_at=car.next_attempt_at if car else None,
                earlier_reports=len(car.history) if car else 0,
            )
        )
    report_store.write_delivery_record(
        settings,
        report_store.DeliveryRecord(
            order_id=session.order_id,
            completed_at=datetime.now(UTC).isoformat(),
            cars=delivered,
            order_tesla_calls=(
                history.model_dump(mode="python", exclude_unset=True) if history else {}
            ),
        ),
        replace=replace,
    )


def resume_after_reconnect(settings: Settings, session_key: str) -> None:
    """A reconnected order continues where it stopped, without a new payment."""
    start(settings, session_key, retry_failed=True)
