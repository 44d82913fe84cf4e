"""Catalog, quote and voucher preview over HTTP, against the Firestore emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.orders import sessions
from shared.platform.settings import get_settings
from shared.pricing.redemptions import redemption_reference
from tests.connect.conftest import Browser

TEST_VOUCHERS = Path(__file__).resolve().parents[1] / "pricing" / "data" / "test_vouchers.json"


@pytest.fixture
def browser(gateway, tesla, firestore_db, seen_secrets) -> Browser:
    return Browser(gateway, tesla, seen_secrets)


@pytest.fixture
def settings_env(monkeypatch):
    """Change settings for one test (the cache is cleared before and after)."""

    def set_env(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield set_env
    monkeypatch.undo()
    get_settings.cache_clear()


def _selected(browser: Browser, account: str, package: str, count: int | None = None) -> str:
    session_id = browser.connect(account).session_id
    cars = browser.gateway.get(f"/api/v1/tesla/session/{session_id}/vehicles").json["vehicles"]
    ids = [car["id"] for car in cars][:count]
    response = browser.gateway.post(
        f"/api/v1/tesla/session/{session_id}/select", json={"vehicle_ids": ids, "package": package}
    )
    assert response.status_code == 200
    return session_id


def _quote(browser: Browser, session_id: str, voucher: str | None = None, **headers: str):
    body = {"session_id": session_id, **({"voucher_code": voucher} if voucher is not None else {})}
    return browser.gateway.post("/api/v1/pricing/quote", json=body, headers=headers)


def test_catalog(gateway):
    response = gateway.get("/api/v1/pricing/catalog")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    body = response.json
    assert body["currency"] == "EUR" and body["vat_rate_percent"] == 25.5
    pro = next(p for p in body["packages"] if p["name"] == "pro")
    assert [t["price_cents"] for t in pro["tiers"]] == [1999, 2999, 4999, 7999]
    assert pro["tiers"][-1]["max_vehicles"] is None


def test_roadmap_worked_example(browser, firestore_db):
    session_id = _selected(browser, "family", "pro")
    plain = _quote(browser, session_id)
    assert plain.status_code == 200
    assert plain.json == {
        "package": "pro",
        "vehicle_count": 2,
        "tier_label": "2 vehicles",
        "tier_price_cents": 2999,
        "voucher": None,
        "total_cents": 2999,
        "vat_cents": 609,
        "currency": "EUR",
    }
    free = _quote(browser, session_id, "  pilot2026 ").json
    assert (free["total_cents"], free["vat_cents"]) == (0, 0)
    assert free["voucher"]["code"] == "PILOT2026"
    assert free["voucher"]["discount_cents"] == 2999
    launch = _quote(browser, session_id, "LAUNCH10").json
    assert (launch["total_cents"], launch["vat_cents"]) == (2699, 548)
    stored = sessions.load_session(get_settings(), session_id).quote
    assert stored is not None
    assert stored.total_cents == 2699 and stored.selection_version == 1


def test_quote_follows_a_new_selection(browser):
    session_id = _selected(browser, "family", "pro")
    assert _quote(browser, session_id).json["total_cents"] == 2999
    car = browser.gateway.get(f"/api/v1/tesla/session/{session_id}/vehicles").json["vehicles"][0]
    browser.gateway.post(
        f"/api/v1/tesla/session/{session_id}/select",
        json={"vehicle_ids": [car["id"]], "package": "basic"},
    )
    assert sessions.load_session(get_settings(), session_id).quote is None
    assert _quote(browser, session_id).json["total_cents"] == 999


def test_fleet_of_twelve_uses_the_open_band(browser):
    session_id = _selected(browser, "fleet", "expert")
    quote = _quote(browser, session_id).json
    assert (quote["vehicle_count"], quote["tier_price_cents"]) == (12, 12999)


def test_quote_without_selection_is_409(browser):
    session_id = browser.connect("solo").session_id
    response = _quote(browser, session_id)
    assert response.status_code == 409
    assert response.json["error"]["status"] == "connected"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "session_id"),
        ({"session_id": "x"}, "session_id"),
        ({"session_id": "A" * 43, "amount": 1}, "amount"),
        ({"session_id": "A" * 43, "voucher_code": "X" * 65}, "voucher_code"),
        ({"session_id": "A" * 43, "voucher_code": 5}, "voucher_code"),
    ],
)
def test_bad_quote_bodies_are_422(gateway, body, field):
    response = gateway.post("/api/v1/pricing/quote", json=body)
    assert response.status_code == 422
    assert response.json["error"]["field"] == field


def test_unknown_and_expired_sessions(browser):
    assert _quote(browser, "A" * 43).status_code == 404
    session_id = _selected(browser, "solo", "basic")
    sessions.update_session(
        get_settings(),
        session_id,
        lambda s: s.model_copy(update={"expires_at": datetime.now(UTC) - timedelta(seconds=1)}),
    )
    assert _quote(browser, session_id).status_code == 410


def test_invalid_voucher_answers_the_same_whatever_the_reason(browser, settings_env):
    settings_env(CPT_VOUCHERS_PATH=str(TEST_VOUCHERS))
    session_id = _selected(browser, "family", "pro")
    redemption_reference(get_settings(), "TEST-LIMITED-3").set({"count": 3})
    bodies = []
    for code in ("NOPE", "TEST-INACTIVE", "TEST-EXPIRED", "TEST-EXPERT-ONLY", "TEST-LIMITED-3"):
        response = _quote(browser, session_id, code)
        assert response.status_code == 422, code
        error = dict(response.json["error"])
        error.pop("request_id")
        bodies.append(error)
    assert all(body == bodies[0] for body in bodies)
    assert bodies[0]["code"] == "voucher_not_valid" and bodies[0]["field"] == "voucher_code"
    # The failed attempts did not touch the stored quote.
    assert sessions.load_session(get_settings(), session_id).quote is None


def test_voucher_guessing_is_capped_per_session(browser, settings_env):
    settings_env(CPT_VOUCHER_FAILURES_PER_SESSION="3")
    session_id = _selected(browser, "solo", "pro")
    for attempt in range(3):
        assert _quote(browser, session_id, f"GUESS{attempt}").status_code == 422
    capped = _quote(browser, session_id, "PILOT2026")  # even a good code, once capped
    assert capped.status_code == 429
    assert int(capped.headers["Retry-After"]) >= 1
    assert _quote(browser, session_id).status_code == 200  # quoting without a code still works


def test_voucher_preview(browser, settings_env):
    settings_env(CPT_VOUCHER_FAILURES_PER_IP="2")
    gateway = browser.gateway
    valid = gateway.post("/api/v1/pricing/validate-voucher", json={"code": "pilot2026"})
    assert valid.json == {
        "valid": True,
        "code": "PILOT2026",
        "type": "percentage",
        "label": "Test pilot (100% off)",
        "discount_description": valid.json["discount_description"],
    }
    headers = {"X-Forwarded-For": "203.0.113.50"}
    for code in ("NOPE1", "NOPE2"):
        refused = gateway.post(
            "/api/v1/pricing/validate-voucher", json={"code": code}, headers=headers
        )
        assert refused.status_code == 200
        assert refused.json == {
            "valid": False,
            "code": None,
            "type": None,
            "label": None,
            "discount_description": None,
        }
    capped = gateway.post(
        "/api/v1/pricing/validate-voucher", json={"code": "PILOT2026"}, headers=headers
    )
    assert capped.status_code == 429
