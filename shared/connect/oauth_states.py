"""OAuth ``state`` values: stored server-side, short-lived, single use.

``begin`` stores what the callback will need (brand, PKCE verifier, and for a reconnect the
session it belongs to) under the SHA-256 of a random state; ``consume`` takes it back exactly
once inside a transaction, so a replayed or forged callback finds nothing to use. The verifier
and the reconnect session id are encrypted like tokens. TTL deletes old documents eventually;
expiry is checked here.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.platform.clients import firestore_client
from shared.platform.crypto import token_cipher
from shared.platform.settings import Settings

if TYPE_CHECKING:
    from google.cloud.firestore import CollectionReference


class StateRejected(Exception):
    """The callback's state is unusable; ``reason`` is ``invalid_state`` or ``expired_state``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PendingAuthorization:
    brand: str
    code_verifier: str
    reconnect_session_id: str | None

    def __repr__(self) -> str:
        reconnect = bool(self.reconnect_session_id)
        return f"PendingAuthorization(brand={self.brand!r}, reconnect={reconnect})"


def _key(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _aad(key: str, kind: str) -> str:
    return f"oauth_state:{key}:{kind}"


def begin(
    settings: Settings,
    *,
    brand: str,
    code_verifier: str,
    reconnect_session_id: str | None,
    now: datetime,
) -> str:
    """Store a new pending authorization; returns the ``state`` to send to the brand."""
    state = secrets.token_urlsafe(32)
    key = _key(state)
    cipher = token_cipher()
    document = {
        "brand": brand,
        "code_verifier": cipher.encrypt(code_verifier, associated_data=_aad(key, "verifier")),
        "reconnect_session_id": cipher.encrypt(
            reconnect_session_id, associated_data=_aad(key, "session")
        )
        if reconnect_session_id
        else None,
        "created_at": now,
        "expires_at": now + timedelta(seconds=settings.oauth_state_ttl_s),  # TTL field
        "consumed": False,
    }
    _collection(settings).document(key).create(document)
    return state


def consume(settings: Settings, state: str, *, now: datetime) -> PendingAuthorization:
    """The pending authorization for ``state``, marking it used; raises StateRejected."""
    from google.cloud import firestore

    if not state or len(state) > 256:
        raise StateRejected("invalid_state")
    key = _key(state)
    reference = _collection(settings).document(key)

    @firestore.transactional
    def take(transaction: firestore.Transaction) -> dict[str, Any]:
        document = reference.get(transaction=transaction).to_dict()
        if document is None:  # no such document
            raise StateRejected("invalid_state")
        if document.get("consumed"):
            raise StateRejected("invalid_state")  # a replayed callback
        # Marked used (not deleted) so that a replay is told apart from an unknown state in logs.
        transaction.update(reference, {"consumed": True, "consumed_at": now})
        return document

    document = take(firestore_client().transaction())
    if document["expires_at"] <= now:
        raise StateRejected("expired_state")
    cipher = token_cipher()
    session_ciphertext = document.get("reconnect_session_id")
    return PendingAuthorization(
        brand=document["brand"],
        code_verifier=cipher.decrypt(
            document["code_verifier"], associated_data=_aad(key, "verifier")
        ),
        reconnect_session_id=cipher.decrypt(
            session_ciphertext, associated_data=_aad(key, "session")
        )
        if session_ciphertext
        else None,
    )


def _collection(settings: Settings) -> CollectionReference:
    return firestore_client().collection(settings.oauth_states_collection)
