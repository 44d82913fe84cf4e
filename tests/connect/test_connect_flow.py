"""The connect flow over HTTP: gateway → Tesla simulator → callback → Firestore emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from shared.connect import flow as connect
from shared.orders import sessions
from shared.platform.settings import get_settings

WUI = "http://127.0.0.1:5173"


def _session_docs(firestore_db) -> list[dict]:
    return [doc.to_dict() for doc in firestore_db.collection("order_sessions").stream()]


def test_initiate_returns_tesla_authorize_url_with_state_and_pkce(browser):
    auth_url = browser.initiate()
    parts = urlsplit(auth_url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert auth_url.startswith(f"{browser.tesla.url}/oauth2/v3/authorize?")
    assert query["client_id"] == "cpt-local-client"
    assert query["redirect_uri"] == "http://127.0.0.1:8080/api/v1/tesla/oauth/callback"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 43
    assert "vehicle_device_data" in query["scope"].split()


@pytest.mark.parametrize(
    ("account", "expected_cars"),
    [("solo", 1), ("family", 2), ("fleet", 12), ("na", 2)],
)
def test_connect_creates_a_session_and_lists_cars_without_waking_them(
    browser, firestore_db, account, expected_cars
):
    result = browser.connect(account)
    assert result.wui_location.startswith(WUI + "?")
    assert result.params["oauth"] == "success"
    assert sessions.is_well_formed_session_id(result.session_id)

    response = browser.gateway.get(f"/api/v1/tesla/session/{result.session_id}/vehicles")
    assert response.status_code == 200
    cars = response.json["vehicles"]
    assert len(cars) == expected_cars
    for car in cars:
        assert car["vin"].endswith("****") and len(car["vin"]) == 17
        assert car["model"] in {"Model S", "Model 3", "Model X", "Model Y", "Cybertruck"}
        assert 2012 <= car["year"] <= 2027
        assert car["state"] in {"online", "asleep", "offline"}
        # Tesla ids exceed 2^53: a string of digits, so a JavaScript client keeps them exact.
        assert isinstance(car["id"], str) and car["id"].isdigit()
    # Connecting calls only the free inventory endpoints: no wake, no vehicle_data.
    ledger = browser.tesla.ledger()
    assert set(ledger["by_endpoint"]) <= {"users_region", "vehicles"}
    assert ledger["total_cost_micro_usd"] == 0
    (doc,) = _session_docs(firestore_db)
    assert doc["status"] == "connected"
    assert doc["region"] == ("na" if account == "na" else "eu")


def test_solo_car_details(browser):
    result = browser.connect("solo")
    (car,) = browser.gateway.get(f"/api/v1/tesla/session/{result.session_id}/vehicles").json[
        "vehicles"
    ]
    assert car == {
        "id": "3744180001000500",
        "vin": "LRW3E7EK5RC41****",
        "display_name": car["display_name"],
        "model": "Model 3",
        "year": 2024,
        "state": "online",
    }


def test_family_shows_the_sleeping_model_y(browser):
    result = browser.connect("family")
    cars = browser.gateway.get(f"/api/v1/tesla/session/{result.session_id}/vehicles").json[
        "vehicles"
    ]
    assert {(c["model"], c["state"]) for c in cars} == {
        ("Model 3", "online"),
        ("Model Y", "asleep"),
    }


def test_account_without_cars_creates_no_session(browser, firestore_db):
    result = browser.connect("empty")
    assert result.params == {"oauth": "error", "reason": "no_vehicles"}
    assert _session_docs(firestore_db) == []


def test_replayed_callback_is_rejected_and_one_session_exists(browser, firestore_db):
    callback_url = browser.consent(browser.initiate(), "solo")
    first = browser.callback(callback_url)
    second = browser.callback(callback_url)
    assert first.params["oauth"] == "success"
    assert second.params == {"oauth": "error", "reason": "invalid_state"}
    assert len(_session_docs(firestore_db)) == 1


def test_forged_state_is_rejected(browser, firestore_db):
    callback_url = browser.consent(browser.initiate(), "solo")
    forged = callback_url.replace("state=", "state=x")
    assert browser.callback(forged).params == {"oauth": "error", "reason": "invalid_state"}
    missing = callback_url.split("&state=")[0].split("?state=")[0]
    assert browser.callback(missing).reason == "invalid_state"
    assert _session_docs(firestore_db) == []


def test_expired_state_is_rejected(browser, firestore_db):
    callback = urlsplit(browser.consent(browser.initiate(), "solo"))
    query = {k: v[0] for k, v in parse_qs(callback.query).items()}
    later = datetime.now(UTC) + timedelta(seconds=get_settings().oauth_state_ttl_s + 1)
    outcome = connect.finish(
        get_settings(), code=query["code"], state=query["state"], error=None, now=later
    )
    assert outcome.reason == "expired_state"
    assert _session_docs(firestore_db) == []


def test_declined_consent(browser, firestore_db):
    result = browser.callback(browser.consent(browser.initiate(), "solo", decline=True))
    assert result.params == {"oauth": "error", "reason": "access_denied"}
    assert _session_docs(firestore_db) == []


def test_bad_code_is_a_failed_exchange(browser):
    callback_url = browser.consent(browser.initiate(), "solo")
    tampered = callback_url.replace("code=", "code=tampered")
    assert browser.callback(tampered).reason == "token_exchange_failed"


@pytest.mark.parametrize("endpoint", ["token", "vehicles"])
def test_tesla_outage_during_connect(browser, tesla, endpoint):
    callback_url = browser.consent(browser.initiate(), "solo")
    tesla.inject(kind="error", status=503, count=5, endpoint=endpoint)
    assert browser.callback(callback_url).reason == "tesla_unavailable"


def test_callback_never_redirects_to_a_url_from_the_request(browser):
    response = browser.gateway.get(
        "/api/v1/tesla/oauth/callback?state=x&code=y&redirect_uri=https://evil.example"
        "&next=https://evil.example"
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith(WUI + "?oauth=error")


def test_callback_with_oversized_parameters(browser):
    response = browser.gateway.get(f"/api/v1/tesla/oauth/callback?state={'s' * 5000}&code=c")
    assert response.status_code == 302
    assert "reason=invalid_state" in response.headers["Location"]


def test_unknown_brand_is_422(browser):
    response = browser.gateway.post("/api/v1/tesla/oauth/initiate", json={"brand": "volvo"})
    assert response.status_code == 422
    assert response.json["error"]["field"] == "brand"
