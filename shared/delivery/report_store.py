"""Where one order's car reports live while and after they are built.

- Firestore ``order_sessions/{key}/car_reports/{vehicle_id}``: one small document per car — its
  status, lease, attempts, module outcomes, Tesla calls and cost. One document per car means no
  write contention between cars built at the same time.
- Cloud Storage, beside ``order.json``: ``{order_id}/{vehicle_id}.json`` (the report),
  ``{order_id}/{vehicle_id}.pdf`` and ``{order_id}/charging_history.json`` (the order's one
  charging-history fetch, already split by VIN). The bucket is private.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from shared.platform.clients import firestore_client, storage_client
from shared.platform.settings import Settings

CAR_REPORTS = "car_reports"
ARTIFACTS = "artifacts"


class CarStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETE = "complete"
    PARTIAL = "partial"
    FAILED = "failed"
    WAITING_RECONNECT = "waiting_reconnect"


FINAL = frozenset({CarStatus.COMPLETE, CarStatus.PARTIAL, CarStatus.FAILED})


def session_reference(settings: Settings, session_key: str) -> Any:
    return firestore_client().collection(settings.sessions_collection).document(session_key)


def car_reference(settings: Settings, session_key: str, vehicle_id: int) -> Any:
    return (
        session_reference(settings, session_key).collection(CAR_REPORTS).document(str(vehicle_id))
    )


def car_documents(settings: Settings, session_key: str) -> dict[int, dict[str, Any]]:
    collection = session_reference(settings, session_key).collection(CAR_REPORTS)
    return {int(doc.id): doc.to_dict() for doc in collection.stream()}


def ensure_car_documents(
    settings: Settings, session_key: str, vehicle_ids: list[int], *, expires_at: datetime
) -> dict[int, dict[str, Any]]:
    """A pending document for each car that has none (never resets an existing one); returns
    every car's document.

    ``expires_at`` (the order's) lets Firestore's TTL delete the car documents with the order:
    TTL does not delete subcollections of a deleted document by itself.
    """
    from google.api_core.exceptions import AlreadyExists

    existing = car_documents(settings, session_key)
    for vehicle_id in vehicle_ids:
        if vehicle_id in existing:
            continue
        fresh = {
            "vehicle_id": vehicle_id,
            "status": CarStatus.PENDING.value,
            "attempts": 0,
            "generation": 0,
            "updated_at": datetime.now(UTC),
            "expires_at": expires_at,
        }
        with contextlib.suppress(AlreadyExists):  # created concurrently by another start
            car_reference(settings, session_key, vehicle_id).create(fresh)
        existing[vehicle_id] = fresh
    return existing


def claim_car(settings: Settings, session_key: str, vehicle_id: int, lease_s: int) -> str:
    """Take a car for one attempt: ``claimed``, ``done`` (already final) or ``busy``."""
    from google.cloud import firestore

    reference = car_reference(settings, session_key, vehicle_id)
    now = datetime.now(UTC)

    @firestore.transactional
    def claim(transaction: firestore.Transaction) -> str:
        snapshot = reference.get(transaction=transaction)
        current = snapshot.to_dict() if snapshot.exists else {"attempts": 0, "generation": 0}
        status = current.get("status")
        if status in FINAL:
            return "done"
        lease = current.get("lease_until")
        if status == CarStatus.RUNNING and lease is not None and lease > now:
            return "busy"  # another delivery of the same task is working on it
        transaction.set(
            reference,
            {
                **current,
                "vehicle_id": vehicle_id,
                "status": CarStatus.RUNNING.value,
                "lease_until": now + timedelta(seconds=lease_s),
                "attempts": int(current.get("attempts", 0)) + 1,
                "updated_at": now,
            },
        )
        return "claimed"

    return claim(firestore_client().transaction())


def update_car(settings: Settings, session_key: str, vehicle_id: int, **fields: Any) -> None:
    car_reference(settings, session_key, vehicle_id).set(
        {**fields, "lease_until": None, "updated_at": datetime.now(UTC)}, merge=True
    )


def _blob(settings: Settings, path: str) -> Any:
    return storage_client().bucket(settings.reports_bucket).blob(path)


def report_paths(order_id: str, vehicle_id: int) -> tuple[str, str]:
    return f"{order_id}/{vehicle_id}.json", f"{order_id}/{vehicle_id}.pdf"


def save_report(
    settings: Settings, order_id: str, vehicle_id: int, report_json: str, pdf: bytes | None
) -> tuple[str, str | None]:
    """Store (or replace: a rebuild writes the same content) one car's JSON and PDF."""
    json_path, pdf_path = report_paths(order_id, vehicle_id)
    _blob(settings, json_path).upload_from_string(report_json, content_type="application/json")
    if pdf is None:
        return json_path, None
    _blob(settings, pdf_path).upload_from_string(pdf, content_type="application/pdf")
    return json_path, pdf_path


def load_report_json(settings: Settings, path: str) -> dict[str, Any] | None:
    blob = _blob(settings, path)
    if not blob.exists():
        return None
    return json.loads(blob.download_as_bytes())


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


def artifact_reference(settings: Settings, session_key: str, name: str) -> Any:
    return session_reference(settings, session_key).collection(ARTIFACTS).document(name)


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
