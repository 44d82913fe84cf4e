"""The reconciler: finds paid orders that stopped moving and moves them on, idempotently.

Every step after a payment is idempotent and normally runs at once (``settlement.after_paid``,
the report tasks, the worker completing the order). A step can still be lost: an instance killed
between two writes, a task deleted after a busy answer, an upload that failed after the commit.
Run on a schedule (Cloud Scheduler → ``POST /internal/operations/reconcile``; locally a loop in
``make up``), this finds what was lost and runs the same idempotent step again:

- ``generation_not_started``: paid and no car documents (``generation.start``);
- ``car_requeued``: a car ``running`` whose lease has expired (its worker died), or ``pending``
  untouched for ``pending_grace_s`` (its task was lost): the car is reset to ``pending`` with a new
  task generation — conditional on the document as read, so a live worker's write wins — and
  queued again by ``generation.start``;
- ``manifest_missing`` / ``receipt_missing``: the settlement's create-only writes, again;
- ``completion_missing``: every car ended a while ago but the order is not complete
  (``generation.finish_if_done``);
- ``delivery_record_missing``: complete without ``delivery.json`` (the finish path's record).

Queries stay small: orders paid in the last ``lookback_s`` (one range on ``paid_at``, a
single-field index) and, across all orders, the cars ``running`` with an expired lease or
``pending`` for too long (collection-group queries; composite indexes in infra/scheduler.tf).
Recent changes (``paid_grace_s``) are left alone: their own request may still be finishing them.
Each repair is one structured log line ``{"repair": kind, "order_id": …}`` and one
``reconciler_repair`` signal carrying how many times the order was repaired so far (counted in the
order's ``artifacts/reconciler`` document); a run returns the counts per kind. A second run right
after the first repairs nothing. A paid order still not complete ``stuck_after_s`` after payment
gets a ``stuck_order`` signal on every run (the alert "paid order not complete after 30 minutes").
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING

from shared.delivery import generation, report_store
from shared.delivery.report_store import CAR_REPORTS, CarReport, CarStatus
from shared.orders import sessions
from shared.orders.manifests import manifest_path, receipt_path, write_manifest
from shared.orders.order_state import SessionStatus
from shared.payments import settlement
from shared.platform.clients import firestore_client
from shared.platform.settings import Settings, get_settings
from shared.platform.signals import Signal, signal

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentSnapshot

logger = logging.getLogger(__name__)


class Repair(StrEnum):
    GENERATION_NOT_STARTED = "generation_not_started"
    CAR_REQUEUED = "car_requeued"
    MANIFEST_MISSING = "manifest_missing"
    RECEIPT_MISSING = "receipt_missing"
    COMPLETION_MISSING = "completion_missing"
    DELIVERY_RECORD_MISSING = "delivery_record_missing"


@dataclass(frozen=True)
class Windows:
    """How old a state must be before it counts as stuck, and how far back orders are checked."""

    # A payment's own request (webhook, capture) writes the manifest and starts generation
    # within seconds; two minutes is far past that and well inside the schedule's period.
    paid_grace_s: int = 120
    # Orders paid this long ago are checked each run: a run every 5 minutes looks at each order
    # hundreds of times, and older orders are support's (their tokens may be gone anyway).
    lookback_s: int = 2 * 24 * 3600
    # A pending car whose task retries with backoff is touched again within Cloud Tasks'
    # max backoff (infra/tasks.tf); untouched for 15 minutes, its task is gone.
    pending_grace_s: int = 15 * 60
    # Clock skew between the worker that set the lease and this run.
    lease_grace_s: int = 30
    # A paid order not complete this long after payment is reported stuck (an alert): normal
    # orders complete in under a few minutes, an asleep car's partial report included.
    stuck_after_s: int = 30 * 60


@dataclass
class Run:
    """What one run did."""

    repairs: Counter[str] = field(default_factory=Counter)
    failures: int = 0
    orders_checked: int = 0
    cars_checked: int = 0


def reconcile(
    settings: Settings, *, now: datetime | None = None, windows: Windows = Windows()
) -> Run:
    """One pass over the recently paid orders and the stuck cars; returns the repairs made."""
    now = now or datetime.now(UTC)
    run = Run()
    for stored in _recently_paid(settings, now, windows):
        run.orders_checked += 1
        session = stored.session
        _guarded(
            run,
            session.order_id,
            partial(_repair_order, settings, stored, now, windows),
            counted_in=partial(_count_repairs, settings, session.session_key, now),
        )
        _signal_if_stuck(session, now, windows)
    for session_key, cars in _stuck_cars(settings, now, windows).items():
        run.cars_checked += len(cars)
        _guarded(
            run,
            session_key[:12],
            partial(_requeue, settings, session_key, cars, now),
            counted_in=partial(_count_repairs, settings, session_key, now),
        )
    logger.info(
        "reconciled",
        extra={"fields": {"repairs": dict(run.repairs), "failures": run.failures}},
    )
    return run


Done = list[tuple[Repair, str]]  # (kind, order id) of each repair made


def _guarded(
    run: Run, label: str, repair: Callable[[], Done], *, counted_in: Callable[[int], int]
) -> None:
    """Run one order's repairs; a failure is logged and left to the next run. ``counted_in``
    adds the repairs to the order's count and returns the new total."""
    try:
        done = repair()
        repairs_so_far = counted_in(len(done)) if done else 0
    except Exception:
        run.failures += 1
        logger.exception("repair failed", extra={"fields": {"order": label}})
        return
    for kind, order_id in done:
        run.repairs[kind.value] += 1
        logger.info(
            "repair %s", kind.value, extra={"fields": {"repair": kind.value, "order_id": order_id}}
        )
        signal(
            Signal.RECONCILER_REPAIR,
            order_id=order_id,
            kind=kind.value,
            repair_count=repairs_so_far,
        )


REPAIRS_ARTIFACT = "reconciler"  # the order's artifacts/reconciler document: repairs so far
REPAIRS_RETENTION = timedelta(days=30)  # TTL (expires_at): long past the lookback


def _count_repairs(settings: Settings, session_key: str, now: datetime, repairs: int) -> int:
    """Add ``repairs`` to the order's repair count; returns the total (an alert fires when the
    same order needs repairing again and again: something keeps breaking it)."""
    from google.cloud import firestore

    reference = report_store.artifact_reference(settings, session_key, REPAIRS_ARTIFACT)
    reference.set(
        {
            "repairs": firestore.Increment(repairs),
            "updated_at": now,
            "expires_at": now + REPAIRS_RETENTION,
        },
        merge=True,
    )
    count = (reference.get().to_dict() or {}).get("repairs", repairs)
    return int(count)


def _signal_if_stuck(session: sessions.OrderSession, now: datetime, windows: Windows) -> None:
    """A paid order still not complete after ``stuck_after_s``: the stuck-order alert's signal
    (each run while it stays so; it may still get repaired by this very run)."""
    paid_at = session.paid_at
    if paid_at is None or session.status == SessionStatus.COMPLETE:
        return
    age_s = int((now - paid_at).total_seconds())
    if age_s >= windows.stuck_after_s:
        signal(
            Signal.STUCK_ORDER,
            order_id=session.order_id,
            status=session.status.value,
            age_s=age_s,
        )


# --- orders ---------------------------------------------------------------------------------


def _recently_paid(
    settings: Settings, now: datetime, windows: Windows
) -> Iterator[sessions.Stored]:
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = (
        firestore_client()
        .collection(settings.sessions_collection)
        .where(filter=FieldFilter("paid_at", ">=", now - timedelta(seconds=windows.lookback_s)))
        .where(filter=FieldFilter("paid_at", "<=", now - timedelta(seconds=windows.paid_grace_s)))
    )
    for snapshot in query.stream():
        document = snapshot.to_dict()
        if document is not None:
            yield sessions.Stored(sessions.session_from_document(document), snapshot.update_time)


def _repair_order(
    settings: Settings, stored: sessions.Stored, now: datetime, windows: Windows
) -> Done:
    session = stored.session
    done: Done = []
    if not report_store.blob_exists(settings, manifest_path(session.order_id)) and (
        write_manifest(settings, session)
    ):
        done.append((Repair.MANIFEST_MISSING, session.order_id))
    if not report_store.blob_exists(settings, receipt_path(session.order_id)):
        settlement.write_receipt(settings, session)
        done.append((Repair.RECEIPT_MISSING, session.order_id))
    if session.status == SessionStatus.PAID:
        generation.start(settings, session.session_key, read=stored)
        done.append((Repair.GENERATION_NOT_STARTED, session.order_id))
    elif session.status == SessionStatus.GENERATING:
        done.extend(_repair_generating(settings, stored, now, windows))
    elif session.status == SessionStatus.COMPLETE and not report_store.blob_exists(
        settings, f"{session.order_id}/delivery.json"
    ):
        # The order was completed but its record never written (the finish path's second step).
        generation.write_delivery_record(settings, session)
        done.append((Repair.DELIVERY_RECORD_MISSING, session.order_id))
    return done


def _repair_generating(
    settings: Settings, stored: sessions.Stored, now: datetime, windows: Windows
) -> Done:
    session = stored.session
    cars = report_store.car_documents(settings, session.session_key)
    if any(vehicle_id not in cars for vehicle_id in session.selected_vehicle_ids):
        # Moved to generating, then died before the car documents (and so the tasks) were made.
        generation.start(settings, session.session_key, read=stored)
        return [(Repair.GENERATION_NOT_STARTED, session.order_id)]
    quiet_since = now - timedelta(seconds=windows.paid_grace_s)
    ended = all(cars[v].is_final for v in session.selected_vehicle_ids)
    # The last car's worker completes the order right after its own write: wait out the grace.
    quiet = all(car.updated_at is None or car.updated_at <= quiet_since for car in cars.values())
    if ended and quiet and generation.finish_if_done(settings, session.session_key):
        return [(Repair.COMPLETION_MISSING, session.order_id)]
    return []


# --- cars -----------------------------------------------------------------------------------


def _stuck_cars(
    settings: Settings, now: datetime, windows: Windows
) -> dict[str, list[DocumentSnapshot]]:
    """Cars running with an expired lease or pending too long, by session key."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    group = firestore_client().collection_group(CAR_REPORTS)
    expired = group.where(filter=FieldFilter("status", "==", CarStatus.RUNNING.value)).where(
        filter=FieldFilter("lease_until", "<", now - timedelta(seconds=windows.lease_grace_s))
    )
    forgotten = group.where(filter=FieldFilter("status", "==", CarStatus.PENDING.value)).where(
        filter=FieldFilter("updated_at", "<", now - timedelta(seconds=windows.pending_grace_s))
    )
    by_order: dict[str, list[DocumentSnapshot]] = {}
    for snapshot in [*expired.stream(), *forgotten.stream()]:
        order = snapshot.reference.parent.parent
        if order is None or order.parent.id != settings.sessions_collection:
            continue  # a car_reports collection of something else
        by_order.setdefault(order.id, []).append(snapshot)
    return by_order


def _requeue(
    settings: Settings, session_key: str, cars: list[DocumentSnapshot], now: datetime
) -> Done:
    """Reset the order's stuck cars to pending with a new task generation, then queue them."""
    stored = sessions.load_by_key(settings, session_key, allow_expired=True)
    if stored.session.status != SessionStatus.GENERATING:
        return []  # waiting for a reconnect, or already complete: nothing to build now
    reset = [snapshot for snapshot in cars if _reset(snapshot, now)]
    if reset:
        generation.start(settings, session_key, read=stored)
    return [(Repair.CAR_REQUEUED, stored.session.order_id) for _ in reset]


def _reset(snapshot: DocumentSnapshot, now: datetime) -> bool:
    """Pending again under a new task name, if the car is still as read (a worker that wrote
    since — it was alive after all — wins)."""
    from google.api_core.exceptions import FailedPrecondition

    car = CarReport.model_validate(snapshot.to_dict() or {})
    option = firestore_client().write_option(last_update_time=snapshot.update_time)
    try:
        snapshot.reference.update(
            {
                "status": CarStatus.PENDING.value,
                # A new task name: Cloud Tasks refuses the old one for about an hour after it ran.
                "generation": car.generation + 1,
                "lease_until": None,
                "updated_at": now,
            },
            option=option,
        )
    except FailedPrecondition:
        return False
    return True


# --- running it -----------------------------------------------------------------------------


def run_forever(
    interval_s: float, *, stop: threading.Event | None = None, settings: Settings | None = None
) -> None:
    """Reconcile every ``interval_s`` seconds until ``stop`` is set (``make up``'s loop).

    The settings are read at each run unless given, so a loop started before the environment
    was complete still uses the final one. A failed run is logged and the loop goes on.
    """
    stop = stop or threading.Event()
    while not stop.wait(interval_s):
        try:
            reconcile(settings or get_settings())
        except Exception:
            logger.exception("reconcile run failed")


def start_in_background(interval_s: float) -> threading.Event:
    """``run_forever`` on a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(
        target=run_forever,
        args=(interval_s,),
        kwargs={"stop": stop},
        name="reconciler",
        daemon=True,
    ).start()
    return stop
