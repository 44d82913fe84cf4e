"""``sessions.update`` against the Firestore emulator: one commit per change, conditional on what
was read; a write in between means read again and decide again; lasting contention is a 409."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.cars.connection import Connection
from shared.cars.vehicles import VehicleRecord
from shared.orders import sessions
from shared.orders.order_state import SessionStatus
from shared.platform.settings import get_settings

VIN = "5YJ3E7EB2NF000001"


@pytest.fixture
def stored(app_env, firestore_db) -> sessions.Stored:
    now = datetime.now(UTC)
    connection = Connection(
        access_token="access-token-for-the-write-tests",
        refresh_token="refresh-token-for-the-write-tests",
        expires_at=now + timedelta(hours=8),
        scopes=("openid",),
        region="eu",
        vehicles=(VehicleRecord(id=7, vin=VIN),),
    )
    session_id, _ = sessions.create_session(
        get_settings(), brand="tesla", connection=connection, now=now
    )
    return sessions.load(get_settings(), session_id)


def _rename(session: sessions.OrderSession, language: str) -> sessions.OrderSession:
    return session.model_copy(update={"language": language})


def _meddle(key: str, language: str) -> None:
    """Another request's write to the same session (from outside the mutation under test)."""
    sessions.update_session_by_key(get_settings(), key, lambda s: _rename(s, language))


def test_the_result_comes_back_with_the_session(stored):
    key = stored.session.session_key
    written, result = sessions.update(
        get_settings(), key, lambda s: (_rename(s, "fi"), "renamed"), read=stored
    )
    assert result == "renamed" and written.session.language == "fi"
    assert written.update_time > stored.update_time
    assert sessions.load_by_key(get_settings(), key).session == written.session
    # Nothing to change: no write, the same version back.
    again, _ = sessions.update(get_settings(), key, lambda s: (s, None), read=written)
    assert again == written


def test_a_write_in_between_reruns_the_decision_on_a_fresh_read(stored):
    key = stored.session.session_key
    seen: list[str] = []

    def decide(session: sessions.OrderSession) -> tuple[sessions.OrderSession, int]:
        seen.append(session.language)
        if len(seen) == 1:
            _meddle(key, "sv")  # lands between our read and our write
        return _rename(session, session.language + "+"), len(seen)

    written, runs = sessions.update(get_settings(), key, decide, read=stored)
    assert seen == ["en", "sv"] and runs == 2
    assert written.session.language == "sv+"  # decided on what the other request wrote


def test_lasting_contention_is_a_409_with_retry_after(stored):
    key = stored.session.session_key

    def decide(session: sessions.OrderSession) -> tuple[sessions.OrderSession, None]:
        _meddle(key, session.language + "x")  # someone always writes first
        return _rename(session, "fi"), None

    with pytest.raises(sessions.Busy) as refused:
        sessions.update(get_settings(), key, decide, read=stored, attempts=3)
    assert refused.value.status == 409
    assert refused.value.details["status"] == SessionStatus.CONNECTED.value
    assert refused.value.headers() == {"Retry-After": "1"}
    assert sessions.load_by_key(get_settings(), key).session.language == "enxxx"


def test_also_writes_commit_with_the_session_or_not_at_all(stored, firestore_db):
    from google.cloud import firestore

    key = stored.session.session_key
    counter = firestore_db.collection("write_tests").document("counter")

    def also(session: sessions.OrderSession, result: None) -> list[sessions.AlsoWrite]:
        return [sessions.AlsoWrite(counter, {"count": firestore.Increment(1)})]

    sessions.update(get_settings(), key, lambda s: (_rename(s, "de"), None), read=stored, also=also)
    assert counter.get().to_dict() == {"count": 1}
    # A stale read fails its precondition: the rerun writes once more, never twice.
    sessions.update(get_settings(), key, lambda s: (_rename(s, "fr"), None), read=stored, also=also)
    assert counter.get().to_dict() == {"count": 2}
