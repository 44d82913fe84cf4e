"""Vehicles and selection: the state machine's 409s, expiry's 410, and hostile session ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.orders import sessions
from shared.orders.order_state import SessionStatus
from shared.orders.records import PaymentRecord, PaymentState
from shared.platform.settings import get_settings


@pytest.fixture
def family(browser) -> str:
    result = browser.connect("family")
    assert result.params["oauth"] == "success"
    return result.session_id


def _cars(browser, session_id) -> list[dict]:
    return browser.gateway.get(f"/api/v1/tesla/session/{session_id}/vehicles").json["vehicles"]


def _select(browser, session_id, body):
    return browser.gateway.post(f"/api/v1/tesla/session/{session_id}/select", json=body)


def _force(session_id: str, **changes) -> None:
    """Put a stored session into a state the public API would reach later (paid, expired)."""
    sessions.update_session(
        get_settings(),
        session_id,
        lambda session: session.model_copy(update=changes),
    )


def test_select_and_reselect(browser, family):
    first, second = (car["id"] for car in _cars(browser, family))
    response = _select(browser, family, {"vehicle_ids": [first], "package": "basic"})
    assert response.status_code == 200
    assert response.json == {"status": "vehicles_selected", "vehicle_count": 1, "package": "basic"}

    again = _select(browser, family, {"vehicle_ids": [second, first], "package": "pro"})
    assert again.json == {"status": "vehicles_selected", "vehicle_count": 2, "package": "pro"}
    stored = sessions.load_session(get_settings(), family)
    assert stored.selected_vehicle_ids == sorted([int(first), int(second)])
    assert stored.selection_version == 2
    # A returning user can still read the list after choosing.
    assert len(_cars(browser, family)) == 2


def test_same_selection_twice_changes_nothing(browser, family):
    car = _cars(browser, family)[0]["id"]
    body = {"vehicle_ids": [car], "package": "expert"}
    assert _select(browser, family, body).status_code == 200
    # The id as an integer (older clients) is the same car: still no change.
    as_integer = {"vehicle_ids": [int(car)], "package": "expert"}
    assert _select(browser, family, as_integer).status_code == 200
    assert sessions.load_session(get_settings(), family).selection_version == 1


def test_vehicle_ids_are_strings_of_digits_and_nothing_else_is_accepted(browser, family):
    car = _cars(browser, family)[0]["id"]
    assert isinstance(car, str) and car.isdigit()
    for bad in ([car, int(car)], ["12a"], [True], ["-5"], ["9" * 21]):
        response = _select(browser, family, {"vehicle_ids": bad, "package": "pro"})
        assert response.status_code == 422, bad
        assert response.json["error"]["code"] == "validation_failed"


def test_new_selection_voids_the_quote_and_pending_payment(browser, family):
    car = _cars(browser, family)[0]["id"]
    _select(browser, family, {"vehicle_ids": [car], "package": "pro"})
    assert (
        browser.gateway.post("/api/v1/pricing/quote", json={"session_id": family}).status_code
        == 200
    )
    pending = PaymentRecord(
        state=PaymentState.PENDING,
        provider="paypal",  # nothing to cancel at a provider: an unapproved PayPal order expires
        method="paypal",
        amount_cents=1999,
        currency="EUR",
        intent_id="PAYPAL-ORDER-123",
    )
    _force(family, payment=pending)
    _select(browser, family, {"vehicle_ids": [car], "package": "basic"})
    stored = sessions.load_session(get_settings(), family)
    assert stored.quote is None and stored.payment is None
    assert stored.superseded_payment == pending


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"vehicle_ids": [], "package": "pro"}, "vehicle_ids"),
        ({"vehicle_ids": [1, 1], "package": "pro"}, "vehicle_ids"),
        ({"vehicle_ids": [1], "package": "platinum"}, "package"),
        ({"vehicle_ids": ["x"], "package": "pro"}, "vehicle_ids.0"),
        ({"vehicle_ids": [-5], "package": "pro"}, "vehicle_ids.0"),
        ({"package": "pro"}, "vehicle_ids"),
        ({"vehicle_ids": [1], "package": "pro", "amount": 0}, "amount"),
        ({"vehicle_ids": [1], "package": "pro"}, "vehicle_ids"),  # not a car of this session
    ],
)
def test_bad_selection_is_422_and_changes_nothing(browser, family, body, field):
    response = _select(browser, family, body)
    assert response.status_code == 422
    assert response.json["error"]["field"] == field
    assert sessions.load_session(get_settings(), family).status == SessionStatus.CONNECTED


@pytest.mark.parametrize("status", ["paid", "generating", "complete"])
def test_after_payment_the_selection_and_list_are_409_with_the_status(browser, family, status):
    car = _cars(browser, family)[0]["id"]
    _select(browser, family, {"vehicle_ids": [car], "package": "pro"})
    _force(family, status=SessionStatus(status))
    refused = _select(browser, family, {"vehicle_ids": [car], "package": "basic"})
    assert refused.status_code == 409
    assert refused.json["error"]["status"] == status
    listing = browser.gateway.get(f"/api/v1/tesla/session/{family}/vehicles")
    assert listing.status_code == 409
    assert listing.json["error"]["status"] == status


def test_expired_session_is_410_everywhere(browser, family):
    _force(family, expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert browser.gateway.get(f"/api/v1/tesla/session/{family}/vehicles").status_code == 410
    response = _select(browser, family, {"vehicle_ids": [1], "package": "pro"})
    assert response.status_code == 410
    assert response.json["error"]["code"] == "gone"


@pytest.mark.parametrize(
    ("session_id", "status"),
    [
        ("A" * 43, 404),  # well formed, never issued
        ("short", 422),
        ("A" * 42 + "!", 422),
        ("A" * 44, 422),
        ("A" * 10_000, 422),  # oversized
        ("%00" * 20, 404),  # control characters: in no path we serve
        ("..%2F..%2Fetc", 404),  # decodes to extra path segments: no such route
        ("' OR '1'='1", 422),
    ],
)
def test_hostile_session_ids_are_404_or_422_never_500(browser, session_id, status):
    for response in (
        browser.gateway.get(f"/api/v1/tesla/session/{session_id}/vehicles"),
        _select(browser, session_id, {"vehicle_ids": [1], "package": "pro"}),
    ):
        assert response.status_code == status, response.get_data(as_text=True)
        assert "error" in response.json
        if status == 422:
            assert response.json["error"]["field"] == "session_id"
        assert session_id[:40] not in response.get_data(as_text=True) or status == 404
