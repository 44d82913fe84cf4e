"""Order sessions in Firestore: the server-side record that ties one order together.

A session is created when a customer connects their car account and lives ``session_ttl_s``
(30 minutes) unless paid. The session id handed to the WUI is a bearer token
(``secrets.token_urlsafe(32)``); the database keys the document by its SHA-256, so reading the
database yields no usable session id. Expiry is checked in code on every access — Firestore's TTL
policy on ``expires_at`` deletes documents only eventually (within about a day).

A request reads its session once (``load``: the session and the update time of what was read)
and passes that on. Every change goes through ``update``: a pure function turns the session
into (new session, result), and the new session is written with a precondition on the update
time of the copy it was computed from. If someone else wrote in between, the precondition fails:
the session is read again and the function run again, a bounded number of times, then 409
(``Busy``, with Retry-After). One commit per change when the request already holds the session,
where a transaction costs three round trips (begin, get, commit).
"""

from __future__ import annotations

import hashlib
import random
import re
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from shared.cars.connection import Connection
from shared.cars.vehicles import VehicleRecord
from shared.orders.order_state import SessionStatus
from shared.orders.records import PaymentIssue, PaymentRecord, QuoteRecord
from shared.platform import errors
from shared.platform.clients import firestore_client
from shared.platform.crypto import token_cipher
from shared.platform.settings import Settings
from shared.product.catalog import Package

if TYPE_CHECKING:
    from google.cloud.firestore import CollectionReference, DocumentReference, DocumentSnapshot

SESSION_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # token_urlsafe(32) is 43 characters
WRITE_ATTEMPTS = 5  # conditional writes per change before answering 409 Busy
_BACKOFF_S = 0.02  # jitter before a re-read: up to 20, 40, 80 … ms

R = TypeVar("R")


class StoredTokens(BaseModel):
    """The brand's OAuth tokens, each an AES-GCM ciphertext (shared.platform.crypto)."""

    model_config = ConfigDict(frozen=True)

    access_token: str
    refresh_token: str | None
    expires_at: datetime
    scopes: list[str] = Field(default_factory=list)


class OrderSession(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    session_key: str  # SHA-256 of the session id; also the document id
    order_id: str  # opaque id used in storage, manifests and logs instead of the session id
    brand: str
    status: SessionStatus
    created_at: datetime
    updated_at: datetime
    expires_at: datetime  # Firestore TTL field
    region: str
    tokens: StoredTokens | None
    vehicles: list[VehicleRecord]
    selected_vehicle_ids: list[int] = Field(default_factory=list)
    selected_package: Package | None = None
    selection_version: int = 0  # bumped by every selection: quotes and payments name theirs
    quote: QuoteRecord | None = None
    payment: PaymentRecord | None = None
    superseded_payment: PaymentRecord | None = None  # a pending payment a new selection voided
    payment_issues: list[PaymentIssue] = Field(default_factory=list)  # for support to act on
    paid_at: datetime | None = None
    language: str = "en"  # of the PDFs; chosen with the order
    refresh_lock_until: datetime | None = None  # one token refresh per session at a time
    # Pseudonymous key of the car account (shared/connect/customers.py), for vouchers limited
    # per customer; None: not identified (sessions created before it was recorded).
    customer_key: str | None = None

    def vehicle_by_id(self, vehicle_id: int) -> VehicleRecord | None:
        return next((v for v in self.vehicles if v.id == vehicle_id), None)

    @property
    def selected_vehicles(self) -> list[VehicleRecord]:
        chosen = set(self.selected_vehicle_ids)
        return [v for v in self.vehicles if v.id in chosen]


@dataclass(frozen=True)
class Stored:
    """A session as read (or as last written) and that document's update time, which the next
    conditional write of it is checked against."""

    session: OrderSession
    update_time: datetime


@dataclass(frozen=True)
class AlsoWrite:
    """Fields merged into another document in the same all-or-nothing commit as the session.

    With ``last_update_time`` the fields are written only if that document is still as read
    then; with ``create`` only if it does not exist yet. Either failing re-runs the change like
    a changed session does (a counter checked against a limit stays exact under races).
    """

    reference: DocumentReference
    fields: Mapping[str, Any]
    last_update_time: datetime | None = None
    create: bool = False


class Busy(errors.Conflict):
    """The session kept changing under this request: 409 naming its status, with Retry-After."""

    def __init__(self, message: str, current_status: str, retry_after_s: int = 1) -> None:
        super().__init__(message, current_status, retry_after_s=retry_after_s)

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.details["retry_after_s"])}


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def session_key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def is_well_formed_session_id(value: str) -> bool:
    return bool(SESSION_ID_PATTERN.match(value))


def require_well_formed(session_id: str, field: str = "session_id") -> str:
    """422 naming ``field`` unless ``session_id`` has the shape we issue."""
    if not is_well_formed_session_id(session_id):
        raise errors.ValidationFailed(
            [{"field": field, "problem": "is not a session id (43 URL-safe characters)"}]
        )
    return session_id


def _collection(settings: Settings) -> CollectionReference:
    return firestore_client().collection(settings.sessions_collection)


def _token_aad(key: str, kind: str) -> str:
    # Binds each ciphertext to its session and purpose: a copied token does not decrypt.
    return f"session:{key}:{kind}"


def seal_tokens(key: str, connection: Connection) -> StoredTokens:
    cipher = token_cipher()
    return StoredTokens(
        access_token=cipher.encrypt(connection.access_token, associated_data=_token_aad(key, "a")),
        refresh_token=cipher.encrypt(connection.refresh_token, associated_data=_token_aad(key, "r"))
        if connection.refresh_token
        else None,
        expires_at=connection.expires_at,
        scopes=list(connection.scopes),
    )


def open_tokens(session: OrderSession) -> tuple[str, str | None]:
    """The plaintext (access, refresh) tokens. Call only where the brand's API is called."""
    if session.tokens is None:
        raise errors.Conflict("This order has no car connection.", session.status.value)
    cipher = token_cipher()
    key = session.session_key
    access = cipher.decrypt(session.tokens.access_token, associated_data=_token_aad(key, "a"))
    refresh = (
        cipher.decrypt(session.tokens.refresh_token, associated_data=_token_aad(key, "r"))
        if session.tokens.refresh_token
        else None
    )
    return access, refresh


def create_session(
    settings: Settings,
    *,
    brand: str,
    connection: Connection,
    now: datetime,
    customer_key: str | None = None,
) -> tuple[str, OrderSession]:
    """A new ``connected`` session for a fresh connection; returns (session id, session)."""
    session_id = new_session_id()
    key = session_key(session_id)
    session = OrderSession(
        session_key=key,
        order_id="ord_" + secrets.token_hex(12),
        brand=brand,
        status=SessionStatus.CONNECTED,
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(seconds=settings.session_ttl_s),
        region=connection.region,
        tokens=seal_tokens(key, connection),
        vehicles=list(connection.vehicles),
        customer_key=customer_key,
    )
    _collection(settings).document(key).create(session_document(session))
    return session_id, session


def load_session(
    settings: Settings, session_id: str, *, now: datetime | None = None
) -> OrderSession:
    """The live session for a session id: 404 when unknown, 410 once expired."""
    return load(settings, session_id, now=now).session


def load_session_by_key(
    settings: Settings, key: str, *, allow_expired: bool = False
) -> OrderSession:
    return load_by_key(settings, key, allow_expired=allow_expired).session


def load(settings: Settings, session_id: str, *, now: datetime | None = None) -> Stored:
    """The live session with its update time, for a request that will change it (``update``)."""
    return load_by_key(settings, session_key(session_id), now=now)


def load_by_key(
    settings: Settings, key: str, *, now: datetime | None = None, allow_expired: bool = False
) -> Stored:
    """``allow_expired`` is for money that arrives after the session's 30 minutes (a payment is
    honoured while the document exists) and for the report worker."""
    snapshot = _collection(settings).document(key).get()
    return _stored(snapshot, now or datetime.now(UTC), allow_expired=allow_expired)


def find_by_order_id(settings: Settings, order_id: str) -> Stored | None:
    """The session that holds ``order_id`` (for provider callbacks), expired or not."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    matches = (
        _collection(settings).where(filter=FieldFilter("order_id", "==", order_id)).limit(1).get()
    )
    return _stored(matches[0], datetime.now(UTC), allow_expired=True) if matches else None


def update(
    settings: Settings,
    key: str,
    mutate: Callable[[OrderSession], tuple[OrderSession, R]],
    *,
    read: Stored | None = None,
    now: datetime | None = None,
    allow_expired: bool = False,
    also: Callable[[OrderSession, R], Sequence[AlsoWrite]] | None = None,
    attempts: int = WRITE_ATTEMPTS,
) -> tuple[Stored, R]:
    """Change one session: ``mutate`` gets the session and returns (new session, result).

    ``read`` is the copy the request already holds (no read then, unless someone changed the
    session since). ``mutate`` must be pure: after a failed precondition it runs again on a fresh
    read. ``also`` names other documents to merge fields into in the same all-or-nothing commit
    (given the new session and the result). Nothing changed and nothing else to write: no write.
    Returns the session as stored and the result of the run that was written.
    """
    from google.api_core.exceptions import Conflict, FailedPrecondition

    reference = _collection(settings).document(key)
    status: SessionStatus | None = None
    for attempt in range(attempts):
        if read is None:
            read = _stored(reference.get(), now or datetime.now(UTC), allow_expired=allow_expired)
        status = read.session.status
        changed, result = mutate(read.session)
        others = list(also(changed, result)) if also else []
        if changed == read.session and not others:
            return read, result
        stamped = changed.model_copy(update={"updated_at": now or datetime.now(UTC)})
        try:
            return _write(reference, read, stamped, others), result
        except (FailedPrecondition, Conflict):
            read = None  # someone else wrote in between: read again and decide again
            time.sleep(random.uniform(0, _BACKOFF_S * 2**attempt))
    raise Busy(
        "This order is being changed by another request; try again in a moment.",
        current_status=(status or SessionStatus.CONNECTED).value,
    )


def update_session(
    settings: Settings,
    session_id: str,
    mutate: Callable[[OrderSession], OrderSession],
    *,
    now: datetime | None = None,
) -> OrderSession:
    """``update`` for a change with no result to report."""
    return update_session_by_key(settings, session_key(session_id), mutate, now=now)


def update_session_by_key(
    settings: Settings,
    key: str,
    mutate: Callable[[OrderSession], OrderSession],
    *,
    now: datetime | None = None,
    allow_expired: bool = False,
) -> OrderSession:
    stored, _ = update(
        settings, key, lambda s: (mutate(s), None), now=now, allow_expired=allow_expired
    )
    return stored.session


def session_from_document(document: Mapping[str, Any]) -> OrderSession:
    """The one reader of the stored format (documents of every earlier version load)."""
    return OrderSession.model_validate(document)


def session_document(session: OrderSession) -> dict[str, Any]:
    """The one writer of the stored format."""
    # Python mode keeps datetimes as datetimes: Firestore stores them as timestamps (TTL needs one).
    return session.model_dump(mode="python")


def _write(
    reference: DocumentReference, read: Stored, session: OrderSession, others: list[AlsoWrite]
) -> Stored:
    """One commit: the session if it is still as read, and the other documents' fields."""
    client = firestore_client()
    batch = client.batch()
    # Every field, so the document is exactly the model; the precondition makes it conditional
    # (``set`` takes none).
    batch.update(
        reference,
        session_document(session),
        option=client.write_option(last_update_time=read.update_time),
    )
    for other in others:
        if other.create:
            batch.create(other.reference, dict(other.fields))
        elif other.last_update_time is not None:
            option = client.write_option(last_update_time=other.last_update_time)
            batch.update(other.reference, dict(other.fields), option=option)
        else:
            batch.set(other.reference, dict(other.fields), merge=True)
    results = batch.commit()
    return Stored(session=session, update_time=results[0].update_time)


def _stored(snapshot: DocumentSnapshot, now: datetime, *, allow_expired: bool = False) -> Stored:
    document = snapshot.to_dict() if snapshot.exists else None
    if document is None:
        raise errors.NotFound("No such session.")
    session = session_from_document(document)
    if session.expires_at <= now and not allow_expired:
        raise errors.Gone("This session has expired. Please start again.")
    return Stored(session=session, update_time=snapshot.update_time)
