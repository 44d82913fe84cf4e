"""Where one order's car reports live while and after they are built.

- Firestore ``order_sessions/{key}/car_reports/{vehicle_id}``: one small document per car — its
  status, lease, attempts, module outcomes, Tesla calls and cost. One document per car means no
  write contention between cars built at the same time.
- Cloud Storage, beside ``order.json``: ``{order_id}/{vehicle_id}.json`` (the report),
  ``{order_id}/{vehicle_id}.pdf`` and ``{order_id}/charging_history.json`` (the order's one
  charging-history fetch, already split by VIN). A car built again under a later task generation
  (an offline car retried) gets ``{vehicle_id}.g{N}.json``/``.pdf``, so its earlier report stays.
  The bucket is private.
"""

from __future__ import annotations

import contextlib
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.platform.clients import firestore_client, storage_client
from shared.platform.settings import Settings

if TYPE_CHECKING:
    from google.cloud.firestore import CollectionReference, DocumentReference, Transaction

CAR_REPORTS = "car_reports"
ARTIFACTS = "artifacts"
CHARGING_HISTORY = "charging_history"  # the order's one account-level fetch (an artifact)


class CarStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETE = "complete"
    PARTIAL = "partial"
    FAILED = "failed"
    WAITING_RECONNECT = "waiting_reconnect"


FINAL = frozenset({CarStatus.COMPLETE, CarStatus.PARTIAL, CarStatus.FAILED})


class _Record(BaseModel):
    # Unknown fields are dropped rather than refused: a newer writer must not break this reader.
    model_config = ConfigDict(frozen=True, extra="ignore")


class AttemptCalls(_Record):
    """The Tesla calls one delivery made for its car, written right after its fetch phase: an
    attempt that dies before its upload is still accounted for."""

    generation: int
    tesla_calls: list[dict[str, Any]] = Field(default_factory=list)  # CallRecord.as_manifest()
    billed_calls: int = 0
    tesla_cost_micro_usd: int = 0
    recorded_at: datetime | None = None


class EarlierReport(_Record):
    """A report the car had before it was built again (an offline car's partial report)."""

    generation: int
    status: CarStatus
    json_path: str | None = None
    pdf_path: str | None = None
    reason: str | None = None
    replaced_at: datetime | None = None


class CarReport(_Record):
    """One car's document: where its report stands. Every field has the name it always had;
    the defaults are what a document written before that field existed means."""

    vehicle_id: int
    status: CarStatus = CarStatus.PENDING
    attempts: int = 0  # deliveries that claimed the car
    generation: int = 0  # of the task name; bumped to queue the car again
    updated_at: datetime | None = None
    expires_at: datetime | None = None  # the order's: Firestore TTL deletes the car with it
    lease_until: datetime | None = None  # of the delivery building it now
    json_path: str | None = None
    pdf_path: str | None = None
    modules: dict[str, str] | None = None  # module → ok | failed | unavailable
    reason: str | None = None  # why partial or failed, per module
    tesla_calls: list[dict[str, Any]] = Field(default_factory=list)  # CallRecord.as_manifest()
    tesla_cost_micro_usd: int = 0
    # Offline cars finished later: when the car is tried again (None: no retry planned), how
    # many retries were planned so far, and the reports it had before the current one.
    next_attempt_at: datetime | None = None
    retries: int = 0
    history: list[EarlierReport] = Field(default_factory=list)
    attempt_calls: dict[str, AttemptCalls] = Field(default_factory=dict)  # by attempt number

    @property
    def is_final(self) -> bool:
        return self.status in FINAL

    def retry_due(self, generation: int | None) -> bool:
        """A delivery of ``generation`` is this car's planned retry."""
        return (
            self.status == CarStatus.PARTIAL
            and self.next_attempt_at is not None
            and generation == self.generation
        )

    def lease_left_s(self, now: datetime) -> int:
        """Whole seconds until the lease ends (0: none, or it has ended)."""
        if self.lease_until is None or self.lease_until <= now:
            return 0
        return max(1, math.ceil((self.lease_until - now).total_seconds()))


ClaimOutcome = Literal["claimed", "done", "busy"]


@dataclass(frozen=True)
class Claim:
    """What one delivery got: the car (as claimed, or as found), and its attempt number."""

    outcome: ClaimOutcome
    car: CarReport
    attempt: int = 0  # the car's attempts counter for this delivery, when claimed
    retry_after_s: int = 0  # when busy: the seconds left on the other delivery's lease

    @property
    def is_retry(self) -> bool:
        """The claim rebuilds a car that already has its (partial) report."""
        return self.car.is_final


def claim_outcome(car: CarReport, now: datetime, generation: int | None) -> ClaimOutcome:
    """Pure: whether a delivery (of task ``generation``) may build the car now."""
    if car.lease_left_s(now):
        return "busy"  # another delivery holds a live lease: the caller answers 503
    if car.is_final and not car.retry_due(generation):
        return "done"
    return "claimed"


class CarUpdate(BaseModel):
    """Fields to merge into a car's document; a field not given is left as it is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: CarStatus
    generation: int | None = None
    reason: str | None = None
    json_path: str | None = None
    pdf_path: str | None = None
    modules: dict[str, str] | None = None
    tesla_calls: list[dict[str, Any]] | None = None
    tesla_cost_micro_usd: int | None = None
    next_attempt_at: datetime | None = None
    retries: int | None = None
    history: list[EarlierReport] | None = None


class HistoryState(StrEnum):
    FETCHING = "fetching"  # a car holds the lease and is fetching
    OPEN = "open"  # the holder gave the lease back (an error): the next car takes it
    FAILED = "failed"  # fetched, and Tesla failed it: every car reports the reason
    DONE = "done"  # stored in Cloud Storage


class HistoryArtifact(_Record):
    """The order's charging-history document: who fetches it, and how that ended."""

    state: HistoryState
    lease_until: datetime | None = None
    expires_at: datetime | None = None  # the order's (TTL)
    reason: str | None = None
    tesla_calls: list[dict[str, Any]] = Field(default_factory=list)  # the account-level calls

    def held_at(self, now: datetime) -> bool:
        return (
            self.state == HistoryState.FETCHING
            and self.lease_until is not None
            and self.lease_until > now
        )


# ``delivery.json`` is kept with the bookkeeping (six years: it is dispute evidence), far longer
# than the reports' personal data (90 days). It holds no personal data but the masked VIN: what a
# Tesla call recorded is kept only under these names, its VIN masked; no token, owner, name or
# place (tests/payments/test_delivery_record.py).
DELIVERY_CALL_FIELDS = (
    "endpoint", "method", "vin", "status", "statuses", "attempts", "category",
    "billed_attempts", "cost_micro_usd",
)  # fmt: skip
DELIVERY_HISTORY_FIELDS = ("state", "reason", "tesla_calls")


def bookkeeping_calls(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tesla calls as ``delivery.json`` keeps them: the listed fields, the VIN masked."""
    from shared.cars.vehicles import mask_vin

    kept = []
    for call in calls:
        entry = {name: call[name] for name in DELIVERY_CALL_FIELDS if name in call}
        if entry.get("vin"):
            entry["vin"] = mask_vin(str(entry["vin"]))
        kept.append(entry)
    return kept


class DeliveredCar(_Record):
    vehicle_id: int
    vin: str  # masked
    status: CarStatus | None
    reason: str | None
    modules: dict[str, str] | None
    tesla_calls: list[dict[str, Any]]
    tesla_cost_micro_usd: int
    next_attempt_at: datetime | None = None  # an offline car still to be tried again
    earlier_reports: int = 0  # reports it had before the current one

    @field_validator("vin")
    @classmethod
    def _masked(cls, vin: str) -> str:
        from shared.cars.vehicles import mask_vin

        return vin if vin.endswith("****") else mask_vin(vin)

    @field_validator("tesla_calls")
    @classmethod
    def _calls_for_bookkeeping(cls, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return bookkeeping_calls(calls)


class DeliveryRecord(_Record):
    """``{order_id}/delivery.json``: what was delivered per car, and the Tesla calls it cost.
    Kept for the bookkeeping retention (dispute evidence): no personal data but masked VINs."""

    order_id: str
    completed_at: str  # ISO 8601
    cars: list[DeliveredCar]
    order_tesla_calls: dict[str, Any]  # the charging-history fetch: state, reason, calls

    @field_validator("order_tesla_calls")
    @classmethod
    def _history_for_bookkeeping(cls, history: dict[str, Any]) -> dict[str, Any]:
        kept = {name: history[name] for name in DELIVERY_HISTORY_FIELDS if name in history}
        if "tesla_calls" in kept:
            kept["tesla_calls"] = bookkeeping_calls(kept["tesla_calls"])
        return kept


def session_reference(settings: Settings, session_key: str) -> DocumentReference:
    return firestore_client().collection(settings.sessions_collection).document(session_key)


def car_reference(settings: Settings, session_key: str, vehicle_id: int) -> DocumentReference:
    return cars_collection(settings, session_key).document(str(vehicle_id))


def cars_collection(settings: Settings, session_key: str) -> CollectionReference:
    return firestore_client().collection(settings.sessions_collection, session_key, CAR_REPORTS)


def car_from_document(document: dict[str, Any]) -> CarReport:
    return CarReport.model_validate(document)


def car_documents(
    settings: Settings, session_key: str, *, transaction: Transaction | None = None
) -> dict[int, CarReport]:
    stream = cars_collection(settings, session_key).stream(transaction=transaction)
    return {int(doc.id): car_from_document(doc.to_dict() or {}) for doc in stream}


def ensure_car_documents(
    settings: Settings,
    session_key: str,
    vehicle_ids: list[int],
    *,
    expires_at: datetime,
    none_yet: bool = False,
) -> dict[int, CarReport]:
    """A pending document for each car that has none (never resets an existing one); returns
    every car's document.

    ``expires_at`` (the order's) lets Firestore's TTL delete the car documents with the order:
    TTL does not delete subcollections of a deleted document by itself. ``none_yet``: the caller
    knows no car has a document yet (it just started the order's generation), so they are
    created in one commit without reading first; if one exists after all, the read follows.
    """
    from google.api_core.exceptions import AlreadyExists

    now = datetime.now(UTC)

    def fresh(vehicle_id: int) -> CarReport:
        return CarReport(vehicle_id=vehicle_id, updated_at=now, expires_at=expires_at)

    if none_yet and vehicle_ids:
        batch = firestore_client().batch()
        for vehicle_id in vehicle_ids:
            batch.create(
                car_reference(settings, session_key, vehicle_id), _car_fields(fresh(vehicle_id))
            )
        with contextlib.suppress(AlreadyExists):
            batch.commit()
            return {vehicle_id: fresh(vehicle_id) for vehicle_id in vehicle_ids}
    existing = car_documents(settings, session_key)
    for vehicle_id in vehicle_ids:
        if vehicle_id in existing:
            continue
        car = fresh(vehicle_id)
        with contextlib.suppress(AlreadyExists):  # created concurrently by another start
            car_reference(settings, session_key, vehicle_id).create(_car_fields(car))
        existing[vehicle_id] = car
    return existing


def _car_fields(car: CarReport) -> dict[str, Any]:
    # Only what a new car has: the fields a worker sets later stay absent until then.
    return car.model_dump(
        mode="python",
        include={"vehicle_id", "status", "attempts", "generation", "updated_at", "expires_at"},
    )


def claim_car(settings: Settings, session_key: str, vehicle_id: int, lease_s: int) -> str:
    """Take a car for one attempt: ``claimed``, ``done`` (already final) or ``busy``."""
    return claim(settings, session_key, vehicle_id, lease_s).outcome


def claim(
    settings: Settings,
    session_key: str,
    vehicle_id: int,
    lease_s: int,
    *,
    generation: int | None = None,
) -> Claim:
    """Take a car for one delivery of its task (``generation``: the task's, when known).

    ``claimed``: this delivery builds it, under a lease of ``lease_s``; ``done``: it has its
    report and no retry of this generation is due; ``busy``: another delivery holds a live
    lease. A planned retry of an offline car keeps its partial status (and report) while it is
    rebuilt: the customer goes on reading the partial report meanwhile.
    """
    from google.cloud import firestore

    reference = car_reference(settings, session_key, vehicle_id)
    now = datetime.now(UTC)

    @firestore.transactional
    def take(transaction: firestore.Transaction) -> Claim:
        snapshot = reference.get(transaction=transaction)
        current = (
            car_from_document(snapshot.to_dict() or {})
            if snapshot.exists
            else CarReport(vehicle_id=vehicle_id)
        )
        outcome = claim_outcome(current, now, generation)
        if outcome != "claimed":
            return Claim(outcome, current, retry_after_s=current.lease_left_s(now))
        claimed = current.model_copy(
            update={
                "vehicle_id": vehicle_id,
                "status": current.status if current.is_final else CarStatus.RUNNING,
                "lease_until": now + timedelta(seconds=lease_s),
                "attempts": current.attempts + 1,
                "updated_at": now,
            }
        )
        transaction.set(reference, claimed.model_dump(mode="python"))
        return Claim("claimed", claimed, attempt=claimed.attempts)

    taken: Claim = take(firestore_client().transaction())
    return taken


def record_attempt_calls(
    settings: Settings, session_key: str, vehicle_id: int, attempt: int, calls: AttemptCalls
) -> None:
    """Store one attempt's Tesla calls under its number (a merge: other attempts' stay)."""
    car_reference(settings, session_key, vehicle_id).set(
        {"attempt_calls": {str(attempt): calls.model_dump(mode="python")}}, merge=True
    )


def settle_car(
    settings: Settings, session_key: str, vehicle_id: int, attempt: int, change: CarUpdate
) -> bool:
    """Write how an attempt ended, unless another delivery took the car over meanwhile (its
    lease had run out): False then, and nothing is written."""
    from google.cloud import firestore

    reference = car_reference(settings, session_key, vehicle_id)

    @firestore.transactional
    def settle(transaction: firestore.Transaction) -> bool:
        snapshot = reference.get(transaction=transaction)
        if car_from_document(snapshot.to_dict() or {}).attempts != attempt:
            return False
        fields = change.model_dump(mode="python", exclude_unset=True)
        transaction.set(
            reference,
            {**fields, "lease_until": None, "updated_at": datetime.now(UTC)},
            merge=True,
        )
        return True

    settled: bool = settle(firestore_client().transaction())
    return settled


def update_car(settings: Settings, session_key: str, vehicle_id: int, change: CarUpdate) -> None:
    car_reference(settings, session_key, vehicle_id).set(
        {
            **change.model_dump(mode="python", exclude_unset=True),
            "lease_until": None,
            "updated_at": datetime.now(UTC),
        },
        merge=True,
    )


def history_artifact(
    settings: Settings, session_key: str
) -> tuple[HistoryArtifact | None, datetime | None]:
    """The order's charging-history document and its update time (None, None: none yet)."""
    snapshot = artifact_reference(settings, session_key, CHARGING_HISTORY).get()
    if not snapshot.exists:
        return None, None
    return HistoryArtifact.model_validate(snapshot.to_dict()), snapshot.update_time


def create_history_artifact(settings: Settings, session_key: str, lease: HistoryArtifact) -> bool:
    """False when another car created it first."""
    from google.api_core.exceptions import AlreadyExists

    reference = artifact_reference(settings, session_key, CHARGING_HISTORY)
    try:
        reference.create(lease.model_dump(mode="python", exclude_unset=True))
    except AlreadyExists:
        return False
    return True


def replace_history_lease(
    settings: Settings, session_key: str, lease: HistoryArtifact, update_time: datetime
) -> bool:
    """Take the lease over if the document is still as read at ``update_time``."""
    from google.api_core.exceptions import FailedPrecondition

    reference = artifact_reference(settings, session_key, CHARGING_HISTORY)
    option = firestore_client().write_option(last_update_time=update_time)
    try:
        reference.update(lease.model_dump(mode="python", exclude_unset=True), option=option)
    except FailedPrecondition:
        return False
    return True


def end_history_lease(settings: Settings, session_key: str, ended: HistoryArtifact) -> None:
    """Merge how the fetch ended (the fields set on ``ended``) and release the lease."""
    artifact_reference(settings, session_key, CHARGING_HISTORY).set(
        {**ended.model_dump(mode="python", exclude_unset=True), "lease_until": None}, merge=True
    )


def write_delivery_record(
    settings: Settings, record: DeliveryRecord, *, replace: bool = False
) -> bool:
    """Create-only when the order completes; ``replace`` after an offline car's retry."""
    body = json.dumps(record.model_dump(mode="python"), indent=2, default=str)
    path = f"{record.order_id}/delivery.json"
    if replace:
        _blob(settings, path).upload_from_string(body.encode(), content_type="application/json")
        return True
    return write_blob_once(settings, path, body.encode(), "application/json")


def _blob(settings: Settings, path: str) -> Any:
    return storage_client().bucket(settings.reports_bucket).blob(path)


def report_paths(order_id: str, vehicle_id: int, generation: int = 0) -> tuple[str, str]:
    """Where a car's report of a task generation lives; each generation has its own paths."""
    stem = f"{order_id}/{vehicle_id}" + (f".g{generation}" if generation else "")
    return f"{stem}.json", f"{stem}.pdf"


def save_report(
    settings: Settings,
    order_id: str,
    vehicle_id: int,
    report_json: str,
    pdf: bytes | None,
    *,
    generation: int = 0,
) -> tuple[str, str | None]:
    """Store (or replace: a rebuild of the same generation is the same report) one car's JSON
    and PDF; an earlier generation's report is left where it is."""
    json_path, pdf_path = report_paths(order_id, vehicle_id, generation)
    _blob(settings, json_path).upload_from_string(report_json, content_type="application/json")
    if pdf is None:
        return json_path, None
    _blob(settings, pdf_path).upload_from_string(pdf, content_type="application/pdf")
    return json_path, pdf_path


def load_report_json(settings: Settings, path: str) -> dict[str, Any] | None:
    blob = _blob(settings, path)
    if not blob.exists():
        return None
    loaded: dict[str, Any] = json.loads(blob.download_as_bytes())
    return loaded


def blob_exists(settings: Settings, path: str) -> bool:
    return bool(_blob(settings, path).exists())


def load_pdf(settings: Settings, path: str) -> bytes | None:
    blob = _blob(settings, path)
    return blob.download_as_bytes() if blob.exists() else None


def save_charging_history(settings: Settings, order_id: str, by_vin: dict[str, Any]) -> None:
    _blob(settings, f"{order_id}/charging_history.json").upload_from_string(
        json.dumps(by_vin, default=str), content_type="application/json"
    )


def load_charging_history(settings: Settings, order_id: str) -> dict[str, Any] | None:
    return load_report_json(settings, f"{order_id}/charging_history.json")


def artifact_reference(settings: Settings, session_key: str, name: str) -> DocumentReference:
    collection = firestore_client().collection(settings.sessions_collection, session_key, ARTIFACTS)
    return collection.document(name)


def write_blob_once(settings: Settings, path: str, body: bytes, content_type: str) -> bool:
    """Create-only write; False when the object already exists."""
    from google.api_core.exceptions import PreconditionFailed

    try:
        _blob(settings, path).upload_from_string(
            body, content_type=content_type, if_generation_match=0
        )
    except PreconditionFailed:
        return False
    return True
