"""Reconnecting an order whose token expired, abuse limits, and what is stored or logged."""

from __future__ import annotations

import json
import threading

import pytest

from shared.orders import sessions
from shared.orders.order_state import SessionStatus
from shared.platform import errors, rate_limits
from shared.platform.settings import get_settings


def _force(session_id: str, **changes) -> None:
    sessions.update_session(get_settings(), session_id, lambda s: s.model_copy(update=changes))


def test_reconnect_replaces_tokens_and_a_paid_order_stays_paid(browser):
    session_id = browser.connect("family").session_id
    cars = browser.gateway.get(f"/api/v1/tesla/session/{session_id}/vehicles").json["vehicles"]
    browser.gateway.post(
        f"/api/v1/tesla/session/{session_id}/select",
        json={"vehicle_ids": [c["id"] for c in cars], "package": "pro"},
    )
    _force(session_id, status=SessionStatus.PAID)
    before = sessions.load_session(get_settings(), session_id)
    old_access, _ = sessions.open_tokens(before)

    result = browser.connect("family", session_id=session_id)
    assert result.params == {"oauth": "success", "session_id": session_id, "reconnected": "1"}
    after = sessions.load_session(get_settings(), session_id)
    new_access, new_refresh = sessions.open_tokens(after)
    browser.ledger.add(old_access, new_access, new_refresh)
    assert new_access != old_access
    assert after.status == SessionStatus.PAID
    assert after.selected_vehicle_ids == before.selected_vehicle_ids
    assert after.order_id == before.order_id


def test_reconnect_with_another_account_is_refused(browser):
    session_id = browser.connect("family").session_id
    before = sessions.load_session(get_settings(), session_id)
    result = browser.connect("solo", session_id=session_id)
    assert result.params == {"oauth": "error", "reason": "account_mismatch"}
    assert sessions.load_session(get_settings(), session_id).tokens == before.tokens


def test_reconnect_of_unknown_or_complete_sessions(browser):
    unknown = browser.gateway.post(
        "/api/v1/tesla/oauth/initiate", json={"brand": "tesla", "session_id": "B" * 43}
    )
    assert unknown.status_code == 404
    session_id = browser.connect("solo").session_id
    _force(session_id, status=SessionStatus.COMPLETE)
    done = browser.gateway.post(
        "/api/v1/tesla/oauth/initiate", json={"brand": "tesla", "session_id": session_id}
    )
    assert done.status_code == 409
    assert done.json["error"]["status"] == "complete"
    malformed = browser.gateway.post(
        "/api/v1/tesla/oauth/initiate", json={"brand": "tesla", "session_id": "nope"}
    )
    assert malformed.status_code == 422 and malformed.json["error"]["field"] == "session_id"


def test_oauth_endpoints_are_rate_limited_per_client_ip(browser, monkeypatch):
    monkeypatch.setenv("CPT_OAUTH_RATE_LIMIT", "3")
    get_settings.cache_clear()
    try:
        attacker = {"X-Forwarded-For": "203.0.113.7"}
        for _ in range(3):
            ok = browser.gateway.post(
                "/api/v1/tesla/oauth/initiate", json={"brand": "tesla"}, headers=attacker
            )
            assert ok.status_code == 200
        limited = browser.gateway.post(
            "/api/v1/tesla/oauth/initiate", json={"brand": "tesla"}, headers=attacker
        )
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert limited.json["error"]["code"] == "too_many_requests"
        # A client-chosen first hop does not buy a fresh budget: our proxy's entry counts.
        spoofed = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
        again = browser.gateway.post(
            "/api/v1/tesla/oauth/initiate", json={"brand": "tesla"}, headers=spoofed
        )
        assert again.status_code == 429
        other = browser.gateway.post(
            "/api/v1/tesla/oauth/initiate",
            json={"brand": "tesla"},
            headers={"X-Forwarded-For": "198.51.100.2"},
        )
        assert other.status_code == 200
        callback = browser.gateway.get("/api/v1/tesla/oauth/callback?state=x", headers=attacker)
        assert callback.status_code == 302  # its own budget, separate from initiate
    finally:
        get_settings.cache_clear()


def test_rate_limit_counts_exactly_under_concurrency(firestore_db, app_env):
    """Instances share one counter: 4 threads × 5 requests against a limit of 7 → 7 allowed,
    with no failed write however hard they contend."""
    allowed: list[int] = []
    refused: list[int] = []
    lock = threading.Lock()

    def hammer() -> None:
        for _ in range(5):
            try:
                rate_limits.enforce(
                    get_settings(), name="test", client="198.51.100.9", limit=7, window_s=3600
                )
                outcome = allowed
            except errors.TooManyRequests:
                outcome = refused
            with lock:
                outcome.append(1)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(allowed), len(refused)) == (7, 13)


def test_database_holds_no_plaintext_token_and_no_session_id(browser, firestore_db):
    session_ids = [browser.connect(account).session_id for account in ("solo", "family")]
    browser.initiate()  # a pending OAuth state too
    plaintexts: list[str] = []
    for session_id in session_ids:
        access, refresh = sessions.open_tokens(sessions.load_session(get_settings(), session_id))
        plaintexts += [access, refresh]
    browser.ledger.add(*plaintexts)
    dump = json.dumps(
        {
            collection.id: [doc.to_dict() for doc in collection.stream()]
            for collection in firestore_db.collections()
        },
        default=str,
    )
    assert "order_sessions" in dump and "oauth_states" in dump
    for secret in [*session_ids, *plaintexts]:
        assert secret and secret not in dump
    assert "eyJ" not in dump  # no JWT of any kind


def test_tokens_are_bound_to_their_session(browser):
    """A ciphertext copied into another session's document does not decrypt."""
    first = sessions.load_session(get_settings(), browser.connect("solo").session_id)
    second_id = browser.connect("solo").session_id
    _force(second_id, tokens=first.tokens)
    from shared.platform.crypto import DecryptionError

    with pytest.raises(DecryptionError):
        sessions.open_tokens(sessions.load_session(get_settings(), second_id))
