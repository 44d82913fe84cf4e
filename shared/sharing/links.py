"""Share links: an unguessable token for one car's report, stored only as its SHA-256.

``report_shares/{sha256(token)}``: the owner (the order session's key), the order reference,
the car, when the link stops working, an optional cap on opens, the opens so far (an atomic
increment) and whether it was revoked. The token itself is shown once, when the link is made.

The owner proves ownership with the session id: its SHA-256 is the ``owner_key`` of the issued
reports (``shared.delivery.issued``), which live as long as the stored report — so links can be
made, listed and revoked for the report's whole life, after the order session has expired.
A link never outlives the stored report it shows.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from shared.delivery import issued
from shared.delivery.issued import IssuedReport
from shared.orders import sessions
from shared.platform import errors, rate_limits
from shared.platform.clients import firestore_client
from shared.platform.settings import Settings
from shared.sharing.models import ShareState

if TYPE_CHECKING:
    from google.cloud.firestore import CollectionReference, DocumentReference

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # token_urlsafe(32)
# A revoked or expired link's record stays this long after it stops working, so it answers
# "expired"/"revoked" (410) rather than "unknown" (404); then Firestore's TTL deletes it.
TOMBSTONE_DAYS = 30


class ShareRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    share_id: str
    owner_key: str
    order_id: str
    vehicle_id: int
    vin_masked: str
    created_at: datetime
    valid_until: datetime
    max_opens: int | None = None
    opens: int = 0
    revoked: bool = False
    revoked_at: datetime | None = None
    expires_at: datetime  # Firestore TTL

    def state(self, now: datetime) -> ShareState:
        """Pure: what the link does now."""
        if self.revoked:
            return "revoked"
        if now >= self.valid_until:
            return "expired"
        if self.max_opens is not None and self.opens >= self.max_opens:
            return "used_up"
        return "active"


class TooManyLinks(errors.ApiError):
    status, code = 409, "too_many_links"


class LinkClosed(Exception):
    """The link exists but no longer opens (expired, revoked or used up): 410."""

    def __init__(self, state: ShareState) -> None:
        super().__init__(state)
        self.state = state


class LinkUnknown(Exception):
    """No such link (never issued, or long gone): 404."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def valid_until(
    settings: Settings, now: datetime, report_expires_at: datetime, days: int | None
) -> datetime:
    """Pure: when a new link stops working — the days asked for (default, at most the maximum),
    and never after the stored report is deleted. 422 beyond the maximum."""
    days = settings.share_default_days if days is None else days
    if days > settings.share_max_days:
        raise errors.ValidationFailed(
            [{"field": "expires_in_days", "problem": f"must be at most {settings.share_max_days}"}]
        )
    return min(now + timedelta(days=days), report_expires_at)


def _collection(settings: Settings) -> CollectionReference:
    return firestore_client().collection(settings.shares_collection)


def _owned_report(settings: Settings, owner_key: str, vehicle_id: str) -> IssuedReport:
    """The car's current issued report, if the caller owns it (404 otherwise: an unknown order,
    a car outside it, or a report not built yet all look the same)."""
    found = issued.of_car(settings, owner_key, int(vehicle_id)) if vehicle_id.isdigit() else []
    if not found:
        raise errors.NotFound("No report of this car in this order (yet).")
    return found[0]


def _count_owner_write(settings: Settings, owner_key: str) -> None:
    rate_limits.enforce(
        settings,
        name="share_write",
        client=owner_key,
        limit=settings.share_writes_per_order,
        window_s=settings.share_write_window_s,
    )


def create(
    settings: Settings,
    session_id: str,
    vehicle_id: str,
    *,
    days: int | None,
    max_opens: int | None,
    now: datetime | None = None,
) -> tuple[ShareRecord, str]:
    """A new link for one car of the order; returns the record and the token (shown once)."""
    now = now or datetime.now(UTC)
    owner_key = sessions.session_key(sessions.require_well_formed(session_id))
    report = _owned_report(settings, owner_key, vehicle_id)
    if max_opens is not None and max_opens > settings.share_max_opens:
        raise errors.ValidationFailed(
            [{"field": "max_opens", "problem": f"must be at most {settings.share_max_opens}"}]
        )
    until = valid_until(settings, now, report.expires_at, days)
    _count_owner_write(settings, owner_key)
    live = [s for s in owned(settings, owner_key) if s.vehicle_id == report.vehicle_id]
    if sum(1 for s in live if s.state(now) == "active") >= settings.shares_per_car:
        raise TooManyLinks(
            f"This car already has {settings.shares_per_car} active links; revoke one first."
        )
    token = secrets.token_urlsafe(32)
    record = ShareRecord(
        share_id=secrets.token_urlsafe(9),
        owner_key=owner_key,
        order_id=report.order_id,
        vehicle_id=report.vehicle_id,
        vin_masked=report.vin_masked,
        created_at=now,
        valid_until=until,
        max_opens=max_opens,
        expires_at=until + timedelta(days=TOMBSTONE_DAYS),
    )
    _collection(settings).document(token_hash(token)).create(record.model_dump(mode="python"))
    return record, token


def owned(settings: Settings, owner_key: str) -> list[ShareRecord]:
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = _collection(settings).where(filter=FieldFilter("owner_key", "==", owner_key))
    records = [ShareRecord.model_validate(s.to_dict()) for s in query.stream()]
    return sorted(records, key=lambda r: r.created_at)


def list_for_owner(settings: Settings, session_id: str) -> list[ShareRecord]:
    """Every link of the order (404 for an order with no report: nothing to share)."""
    owner_key = sessions.session_key(sessions.require_well_formed(session_id))
    records = owned(settings, owner_key)
    if not records and not _has_reports(settings, owner_key):
        raise errors.NotFound("No report in this order (yet).")
    return records


def _has_reports(settings: Settings, owner_key: str) -> bool:
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = issued.collection(settings).where(filter=FieldFilter("owner_key", "==", owner_key))
    return bool(query.limit(1).get())


def revoke(
    settings: Settings, session_id: str, share_id: str, *, now: datetime | None = None
) -> ShareRecord:
    """Revoke at once (idempotent: a revoked link stays revoked, first revocation time kept)."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    now = now or datetime.now(UTC)
    owner_key = sessions.session_key(sessions.require_well_formed(session_id))
    matches = (
        _collection(settings)
        .where(filter=FieldFilter("owner_key", "==", owner_key))
        .where(filter=FieldFilter("share_id", "==", share_id))
        .limit(1)
        .get()
    )
    if not matches:
        raise errors.NotFound("No such share link in this order.")
    record = ShareRecord.model_validate(matches[0].to_dict())
    if record.revoked:
        return record
    _count_owner_write(settings, owner_key)
    change = {"revoked": True, "revoked_at": now, "expires_at": now + timedelta(TOMBSTONE_DAYS)}
    matches[0].reference.update(change)
    return record.model_copy(update=change)


def open_link(settings: Settings, token: str, *, now: datetime | None = None) -> ShareRecord:
    """Count one open of the link and return it; LinkUnknown / LinkClosed when it can't open.

    Without a cap, the count is one atomic increment (no transaction); with a cap, a
    transaction, so the cap is exact under concurrent opens.
    """
    now = now or datetime.now(UTC)
    if not TOKEN_PATTERN.match(token):
        raise LinkUnknown
    reference = _collection(settings).document(token_hash(token))
    snapshot = reference.get()
    if not snapshot.exists:
        raise LinkUnknown
    record = ShareRecord.model_validate(snapshot.to_dict())
    state = record.state(now)
    if state != "active":
        raise LinkClosed(state)
    if record.max_opens is None:
        from google.cloud import firestore

        reference.update({"opens": firestore.Increment(1)})
        return record.model_copy(update={"opens": record.opens + 1})
    return _open_capped(reference, now)


def _open_capped(reference: DocumentReference, now: datetime) -> ShareRecord:
    from google.cloud import firestore

    @firestore.transactional
    def take(transaction: firestore.Transaction) -> ShareRecord:
        current = ShareRecord.model_validate(reference.get(transaction=transaction).to_dict())
        state = current.state(now)
        if state != "active":
            raise LinkClosed(state)
        transaction.update(reference, {"opens": current.opens + 1})
        return current.model_copy(update={"opens": current.opens + 1})

    opened: ShareRecord = take(firestore_client().transaction())
    return opened


def current_report(settings: Settings, record: ShareRecord) -> IssuedReport:
    """The car's newest issued report (an offline car rebuilt later shows its full report);
    LinkClosed("expired") once the stored report is gone."""
    found = issued.of_car(settings, record.owner_key, record.vehicle_id)
    if not found:
        raise LinkClosed("expired")
    return found[0]


def public_fields(record: ShareRecord, now: datetime) -> dict[str, Any]:
    """The owner's view of a link (no token: only its hash is stored)."""
    return {
        "share_id": record.share_id,
        "vehicle_id": str(record.vehicle_id),
        "vin": record.vin_masked,
        "created_at": record.created_at,
        "expires_at": record.valid_until,
        "max_opens": record.max_opens,
        "opens": record.opens,
        "state": record.state(now),
    }
