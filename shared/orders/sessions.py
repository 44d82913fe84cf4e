"""Order sessions in Firestore: the server-side record that ties one order together.

A session is created when a customer connects their car account and lives ``session_ttl_s``
(30 minutes) unless paid. The session id handed to the WUI is a bearer token
(``secrets.token_urlsafe(32)``); the database keys the document by its SHA-256, so reading the
database yields no usable session id. Expiry is checked in code on every access — Firestore's TTL
policy on ``expires_at`` deletes documents only eventually (within about a day).

Status changes happen only inside Firestore transactions (``update_session``); the mutation
passed in must be pure, because Firestore may run it more than once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.cars.connection import Connection
from shared.cars.vehicles import VehicleRecord
from shared.orders.order_state import SessionStatus
from shared.platform import errors
from shared.platform.clients import firestore_client
from shared.platform.crypto import token_cipher
from shared.platform.settings import Settings

SESSION_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # token_urlsafe(32) is 43 characters


class StoredTokens(BaseModel):
    """The brand's OAuth tokens, each an AES-GCM ciphertext (shared.platform.crypto)."""

    model_config = ConfigDict(frozen=True)

    access_token: str
    refresh_token: str | None
    expires_at: datetime
    scopes: list[str] = Field(default_factory=list)


class OrderSession(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

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
    selected_package: str | None = None
    selection_version: int = 0  # bumped by every selection: quotes and payments name theirs
    quote: dict[str, Any] | None = None
    payment: dict[str, Any] | None = None
    superseded_payment: dict[str, Any] | None = None  # a pending payment a new selection voided
    payment_issues: list[dict[str, Any]] = Field(default_factory=list)  # for support to act on
    paid_at: datetime | None = None
    language: str = "en"  # of the PDFs; chosen with the order
    refresh_lock_until: datetime | None = None  # one token refresh per session at a time

    def vehicle_by_id(self, vehicle_id: int) -> VehicleRecord | None:
        return next((v for v in self.vehicles if v.id == vehicle_id), None)

    @property
    def selected_vehicles(self) -> list[VehicleRecord]:
        chosen = set(self.selected_vehicle_ids)
        return [v for v in self.vehicles if v.id in chosen]


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


def _collection(settings: Settings) -> Any:
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
    settings: Settings, *, brand: str, connection: Connection, now: datetime
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
    )
    _collection(settings).document(key).create(_to_document(session))
    return session_id, session


def load_session(
    settings: Settings, session_id: str, *, now: datetime | None = None
) -> OrderSession:
    """The live session for a session id: 404 when unknown, 410 once expired."""
    snapshot = _collection(settings).document(session_key(session_id)).get()
    return _live(snapshot, now or datetime.now(UTC))


def update_session(
    settings: Settings,
    session_id: str,
    mutate: Callable[[OrderSession], OrderSession],
    *,
    now: datetime | None = None,
) -> OrderSession:
    """Read, check and write one session atomically. ``mutate`` must be pure (may rerun)."""
    return update_session_by_key(settings, session_key(session_id), mutate, now=now)


def update_session_by_key(
    settings: Settings,
    key: str,
    mutate: Callable[..., OrderSession],
    *,
    now: datetime | None = None,
    allow_expired: bool = False,
    with_transaction: bool = False,
) -> OrderSession:
    """The transactional read-check-write behind every status change.

    ``allow_expired`` is for money that arrives after the session's 30 minutes (a payment is
    honoured while the document exists). ``with_transaction`` passes the transaction to
    ``mutate`` as a second argument, for writes to other documents in the same commit.
    """
    from google.cloud import firestore

    client = firestore_client()
    reference = _collection(settings).document(key)

    @firestore.transactional
    def run(transaction: firestore.Transaction) -> OrderSession:
        snapshot = reference.get(transaction=transaction)
        current = _live(snapshot, now or datetime.now(UTC), allow_expired=allow_expired)
        changed = mutate(current, transaction) if with_transaction else mutate(current)
        if changed != current:
            stamped = changed.model_copy(update={"updated_at": now or datetime.now(UTC)})
            transaction.set(reference, _to_document(stamped))
            return stamped
        return current

    return run(client.transaction())


def find_session_key_by_order_id(settings: Settings, order_id: str) -> str | None:
    """The document id of the session that holds ``order_id`` (for provider callbacks)."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    matches = (
        _collection(settings).where(filter=FieldFilter("order_id", "==", order_id)).limit(1).get()
    )
    return matches[0].id if matches else None


def load_session_by_key(
    settings: Settings, key: str, *, allow_expired: bool = False
) -> OrderSession:
    snapshot = _collection(settings).document(key).get()
    return _live(snapshot, datetime.now(UTC), allow_expired=allow_expired)


def _live(snapshot: Any, now: datetime, *, allow_expired: bool = False) -> OrderSession:
    if not snapshot.exists:
        raise errors.NotFound("No such session.")
    session = OrderSession.model_validate(snapshot.to_dict())
    if session.expires_at <= now and not allow_expired:
        raise errors.Gone("This session has expired. Please start again.")
    return session


def _to_document(session: OrderSession) -> dict[str, Any]:
    # Python mode keeps datetimes as datetimes: Firestore stores them as timestamps (TTL needs one).
    return session.model_dump(mode="python")
