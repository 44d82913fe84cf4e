"""Shapes of every Fleet API endpoint the product uses, against the simulator over HTTP."""

from __future__ import annotations

from datetime import datetime

import pytest
import requests

from tests.fixtures.tesla_sim import TeslaSimulator

_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"
_MODEL_BY_CAR_TYPE = {
    "model3": "3",
    "modely": "Y",
    "lychee": "S",
    "models2": "S",
    "modelx": "X",
    "tamarind": "X",
}


def _vin_check_digit(vin: str) -> str:
    """Independent ISO 3779 check so the test does not trust the simulator's own helper."""
    values = {**{str(d): d for d in range(10)}}
    for letters, start in (("ABCDEFGH", 1), ("JKLMN", 1), ("P", 7), ("R", 9), ("STUVWXYZ", 2)):
        values.update({letter: start + i for i, letter in enumerate(letters)})
    weights = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
    remainder = sum(values[c] * w for c, w in zip(vin, weights, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


@pytest.fixture
def family_token(tesla: TeslaSimulator) -> str:
    return str(tesla.login("family")["access_token"])


def _ok(response: requests.Response) -> dict:
    assert response.status_code == 200, response.text
    assert response.headers["x-txid"]
    return response.json()


# --- demo accounts -----------------------------------------------------------------------------


def test_demo_accounts_regions_and_states(tesla: TeslaSimulator) -> None:
    accounts = tesla.accounts()
    assert set(accounts) == {"empty", "solo", "family", "fleet", "na"}
    assert accounts["empty"]["vehicles"] == []
    assert [(v["model"], v["state"]) for v in accounts["solo"]["vehicles"]] == [
        ("Model 3", "online")
    ]
    assert [(v["model"], v["state"]) for v in accounts["family"]["vehicles"]] == [
        ("Model 3", "online"),
        ("Model Y", "asleep"),
    ]
    fleet = accounts["fleet"]
    assert fleet["region"] == "eu" and len(fleet["vehicles"]) == 12
    assert {v["state"] for v in fleet["vehicles"]} == {"online", "asleep", "offline"}
    assert {v["model"] for v in fleet["vehicles"]} == {"Model 3", "Model Y", "Model S", "Model X"}
    assert accounts["na"]["region"] == "na"


def test_demo_vins_are_valid_and_decode_to_model_and_year(tesla: TeslaSimulator) -> None:
    for account in tesla.accounts().values():
        for vehicle in account["vehicles"]:
            vin = vehicle["vin"]
            assert len(vin) == 17 and vin[8] == _vin_check_digit(vin), vin
            assert 2010 + _YEAR_CODES.index(vin[9]) == vehicle["model_year"]
            assert vehicle["model"] == f"Model {vin[3]}"
            assert _MODEL_BY_CAR_TYPE[vehicle["car_type"]] == vin[3]


def test_demo_data_is_seeded_and_stable(tesla: TeslaSimulator) -> None:
    """The README documents these identifiers; other test suites may hard-code them."""
    accounts = tesla.accounts()
    solo = accounts["solo"]["vehicles"][0]
    assert (solo["vin"], solo["id"]) == ("LRW3E7EK5RC412733", 3744180001000500)
    assert [v["vin"] for v in accounts["family"]["vehicles"]] == [
        "LRW3E7FA1NC208561",
        "XP7YGCEL3PB109274",
    ]
    assert [v["vin"] for v in accounts["na"]["vehicles"]] == [
        "7SAYGDEE0PA115204",
        "5YJSA1E5XNF470318",
    ]
    token = tesla.login("solo")["access_token"]
    history = tesla.call(token, "/api/1/dx/charging/history").json()
    assert history["totalResults"] == solo["charging_sessions"] == 24
    tesla.reset()
    token = tesla.login("solo")["access_token"]
    assert tesla.call(token, "/api/1/dx/charging/history").json() == history


# --- users and vehicles ------------------------------------------------------------------------


def test_users_region(tesla: TeslaSimulator, family_token: str) -> None:
    body = _ok(tesla.call(family_token, "/api/1/users/region"))
    assert body == {"response": {"region": "eu", "fleet_api_base_url": tesla.base_url("eu")}}


def test_vehicle_list_shape(tesla: TeslaSimulator, family_token: str) -> None:
    body = _ok(tesla.call(family_token, "/api/1/vehicles"))
    assert body["count"] == 2
    assert body["pagination"] == {
        "previous": None,
        "next": None,
        "current": 1,
        "per_page": 100,
        "count": 2,
        "pages": 1,
    }
    first = body["response"][0]
    for key in (
        "id",
        "vehicle_id",
        "vin",
        "display_name",
        "state",
        "in_service",
        "id_s",
        "access_type",
        "granular_access",
        "tokens",
        "option_codes",
    ):
        assert key in first
    assert first["id_s"] == str(first["id"])
    assert [v["state"] for v in body["response"]] == ["online", "asleep"]


def test_vehicle_list_pagination(tesla: TeslaSimulator) -> None:
    token = tesla.login("fleet")["access_token"]
    page_two = _ok(tesla.call(token, "/api/1/vehicles", params={"page": 2, "per_page": 5}))
    assert len(page_two["response"]) == 5
    assert page_two["pagination"] == {
        "previous": 1,
        "next": 3,
        "current": 2,
        "per_page": 5,
        "count": 12,
        "pages": 3,
    }
    last = _ok(tesla.call(token, "/api/1/vehicles", params={"page": 3, "per_page": 5}))
    assert len(last["response"]) == 2 and last["pagination"]["next"] is None


def test_vehicle_list_never_wakes(tesla: TeslaSimulator, family_token: str) -> None:
    for _ in range(3):
        tesla.call(family_token, "/api/1/vehicles")
    tesla.advance(3600)
    states = [v["state"] for v in tesla.accounts()["family"]["vehicles"]]
    assert states == ["online", "asleep"]


def test_empty_account(tesla: TeslaSimulator) -> None:
    token = tesla.login("empty")["access_token"]
    assert _ok(tesla.call(token, "/api/1/vehicles"))["response"] == []
    history = _ok(tesla.call(token, "/api/1/dx/charging/history"))
    assert history == {"data": [], "totalResults": 0}


def test_vehicle_by_id_or_vin_but_not_vehicle_id(tesla: TeslaSimulator, family_token: str) -> None:
    car = tesla.accounts()["family"]["vehicles"][0]
    by_id = _ok(tesla.call(family_token, f"/api/1/vehicles/{car['id']}"))["response"]
    by_vin = _ok(tesla.call(family_token, f"/api/1/vehicles/{car['vin']}"))["response"]
    assert by_id == by_vin and by_id["vin"] == car["vin"]
    wrong = tesla.call(family_token, f"/api/1/vehicles/{car['vehicle_id']}")
    assert wrong.status_code == 404 and wrong.json()["error"] == "not_found"


def test_someone_elses_car_is_not_found(tesla: TeslaSimulator, family_token: str) -> None:
    solo_vin = tesla.accounts()["solo"]["vehicles"][0]["vin"]
    assert tesla.call(family_token, f"/api/1/vehicles/{solo_vin}/vehicle_data").status_code == 404


# --- vehicle_data ------------------------------------------------------------------------------


def test_vehicle_data_returns_only_requested_sections(
    tesla: TeslaSimulator, family_token: str
) -> None:
    vin = tesla.accounts()["family"]["vehicles"][0]["vin"]
    body = _ok(
        tesla.call(
            family_token,
            f"/api/1/vehicles/{vin}/vehicle_data",
            params={"endpoints": "charge_state;vehicle_config"},
        )
    )["response"]
    assert body["vin"] == vin and body["state"] == "online"
    assert {"charge_state", "vehicle_config"} <= set(body)
    assert not {"climate_state", "drive_state", "vehicle_state", "gui_settings"} & set(body)
    charge = body["charge_state"]
    for key in (
        "battery_level",
        "usable_battery_level",
        "battery_range",
        "charge_limit_soc",
        "charging_state",
        "energy_remaining",
        "lifetime_energy_used",
    ):
        assert key in charge
    assert body["vehicle_config"]["car_type"] == "model3"
    assert body["vehicle_config"]["charge_port_type"] == "CCS"


def test_vehicle_data_default_sections_and_units(tesla: TeslaSimulator, family_token: str) -> None:
    vin = tesla.accounts()["family"]["vehicles"][0]["vin"]
    body = _ok(tesla.call(family_token, f"/api/1/vehicles/{vin}/vehicle_data"))["response"]
    for section in (
        "charge_state",
        "climate_state",
        "drive_state",
        "gui_settings",
        "vehicle_config",
        "vehicle_state",
    ):
        assert section in body
    assert body["gui_settings"]["gui_distance_units"] == "km/hr"
    assert body["gui_settings"]["gui_temperature_units"] == "C"
    state = body["vehicle_state"]
    assert state["odometer"] > 1000 and state["car_version"].startswith("2026.")
    assert {
        "tpms_pressure_fl",
        "tpms_soft_warning_rr",
        "sentry_mode",
        "locked",
        "valet_mode",
        "dashcam_state",
        "software_update",
    } <= set(state)
    assert "latitude" not in body["drive_state"], "location needs location_data"


def test_location_needs_location_data_and_the_scope(tesla: TeslaSimulator) -> None:
    vin = tesla.accounts()["solo"]["vehicles"][0]["vin"]
    path = f"/api/1/vehicles/{vin}/vehicle_data"
    with_scope = tesla.login("solo")["access_token"]
    drive = _ok(tesla.call(with_scope, path, params={"endpoints": "drive_state;location_data"}))
    assert {"latitude", "longitude", "heading"} <= set(drive["response"]["drive_state"])

    without = tesla.login("solo", scope="openid offline_access vehicle_device_data")["access_token"]
    refused = tesla.call(without, path, params={"endpoints": "location_data"})
    assert refused.status_code == 403
    assert (
        refused.json()["error"]
        == "Unauthorized missing scopes vehicle_location for vehicle data access"
    )
    # 2026 behaviour: without vehicle_location the whole drive_state is missing.
    body = _ok(tesla.call(without, path, params={"endpoints": "drive_state;charge_state"}))[
        "response"
    ]
    assert "drive_state" not in body and "charge_state" in body


def test_drive_state_dropping_can_be_switched_off(tesla: TeslaSimulator) -> None:
    tesla.admin("settings", {"drop_drive_state_without_location_scope": False})
    token = tesla.login("solo", scope="openid vehicle_device_data")["access_token"]
    vin = tesla.accounts()["solo"]["vehicles"][0]["vin"]
    body = _ok(
        tesla.call(
            token, f"/api/1/vehicles/{vin}/vehicle_data", params={"endpoints": "drive_state"}
        )
    )["response"]
    assert "drive_state" in body and "latitude" not in body["drive_state"]


def test_vehicle_data_on_sleeping_car_is_408_and_does_not_wake(
    tesla: TeslaSimulator, family_token: str
) -> None:
    model_y = tesla.accounts()["family"]["vehicles"][1]
    response = tesla.call(family_token, f"/api/1/vehicles/{model_y['id']}/vehicle_data")
    assert response.status_code == 408
    assert response.json() == {
        "response": None,
        "error": "vehicle unavailable: vehicle is offline or asleep",
        "error_description": "",
        "txid": response.headers["x-txid"],
    }
    assert tesla.accounts()["family"]["vehicles"][1]["state"] == "asleep"


def test_missing_vehicle_scope_is_403(tesla: TeslaSimulator) -> None:
    token = tesla.login("solo", scope="openid offline_access")["access_token"]
    response = tesla.call(token, "/api/1/vehicles")
    assert response.status_code == 403
    assert response.json()["error"] == "Unauthorized missing scopes"


# --- wake_up -----------------------------------------------------------------------------------


def test_wake_up_brings_car_online_after_simulated_delay(
    tesla: TeslaSimulator, family_token: str
) -> None:
    model_y = tesla.accounts()["family"]["vehicles"][1]
    woke = _ok(tesla.call(family_token, f"/api/1/vehicles/{model_y['vin']}/wake_up", method="POST"))
    assert woke["response"]["state"] == "asleep" and woke["response"]["user_id"] > 0
    tesla.advance(14)
    assert (
        _ok(tesla.call(family_token, f"/api/1/vehicles/{model_y['vin']}"))["response"]["state"]
        == "asleep"
    )
    tesla.advance(1)
    assert (
        _ok(tesla.call(family_token, f"/api/1/vehicles/{model_y['vin']}"))["response"]["state"]
        == "online"
    )
    data = tesla.call(family_token, f"/api/1/vehicles/{model_y['vin']}/vehicle_data")
    assert _ok(data)["response"]["vehicle_config"]["car_type"] == "modely"


def test_wake_delay_per_vehicle_zero_wakes_at_once(
    tesla: TeslaSimulator, family_token: str
) -> None:
    vin = tesla.accounts()["family"]["vehicles"][1]["vin"]
    tesla.set_vehicle(vin, wake_delay_seconds=0)
    woke = _ok(tesla.call(family_token, f"/api/1/vehicles/{vin}/wake_up", method="POST"))
    assert woke["response"]["state"] == "online"


def test_offline_car_never_wakes(tesla: TeslaSimulator) -> None:
    token = tesla.login("fleet")["access_token"]
    offline = next(v for v in tesla.accounts()["fleet"]["vehicles"] if v["state"] == "offline")
    woke = _ok(tesla.call(token, f"/api/1/vehicles/{offline['vin']}/wake_up", method="POST"))
    assert woke["response"]["state"] == "offline"
    tesla.advance(600)
    assert tesla.call(token, f"/api/1/vehicles/{offline['vin']}/vehicle_data").status_code == 408


def test_auto_sleep_after_idle(tesla: TeslaSimulator, family_token: str) -> None:
    tesla.admin("settings", {"auto_sleep_after_seconds": 900})
    vin = tesla.accounts()["family"]["vehicles"][0]["vin"]
    tesla.advance(901)
    assert _ok(tesla.call(family_token, f"/api/1/vehicles/{vin}"))["response"]["state"] == "asleep"


# --- dx endpoints ------------------------------------------------------------------------------


def test_charging_history_shape_and_envelope(tesla: TeslaSimulator, family_token: str) -> None:
    body = _ok(tesla.call(family_token, "/api/1/dx/charging/history"))
    assert set(body) == {"data", "totalResults"}, "dx endpoints are not wrapped in response"
    assert body["totalResults"] > 25 and len(body["data"]) == 25
    vins = {v["vin"] for v in tesla.accounts()["family"]["vehicles"]}
    assert {row["vin"] for row in body["data"]} <= vins
    session = body["data"][0]
    for key in (
        "sessionId",
        "siteLocationName",
        "chargeStartDateTime",
        "chargeStopDateTime",
        "unlatchDateTime",
        "countryCode",
        "fees",
        "billingType",
        "invoices",
        "vehicleMakeType",
    ):
        assert key in session
    charging = next(fee for fee in session["fees"] if fee["feeType"] == "CHARGING")
    assert charging["uom"] == "kwh" and charging["usageBase"] > 0
    assert charging["totalDue"] == pytest.approx(
        charging["rateBase"] * charging["usageBase"], abs=0.01
    )
    starts = [datetime.fromisoformat(row["chargeStartDateTime"]) for row in body["data"]]
    assert starts == sorted(starts, reverse=True), "default order is newest first"


def test_charging_history_spans_months_and_splits_by_vin(
    tesla: TeslaSimulator, family_token: str
) -> None:
    everything = _ok(
        tesla.call(family_token, "/api/1/dx/charging/history", params={"pageSize": 100})
    )
    total = everything["totalResults"]
    months = {row["chargeStartDateTime"][:7] for row in everything["data"]}
    assert len(months) >= 3
    per_vin = 0
    for vehicle in tesla.accounts()["family"]["vehicles"]:
        body = _ok(
            tesla.call(
                family_token,
                "/api/1/dx/charging/history",
                params={"vin": vehicle["vin"], "pageSize": 100},
            )
        )
        assert {row["vin"] for row in body["data"]} == {vehicle["vin"]}
        assert body["totalResults"] == vehicle["charging_sessions"]
        per_vin += body["totalResults"]
    assert per_vin == total


def test_charging_history_time_filter_paging_and_sorting(
    tesla: TeslaSimulator, family_token: str
) -> None:
    params = {
        "startTime": "2026-08-01T00:00:00+03:00",
        "endTime": "2026-10-01T00:00:00+03:00",
        "sortBy": "chargeStartDateTime",
        "sortOrder": "ASC",
        "pageSize": 5,
    }
    first = _ok(
        tesla.call(family_token, "/api/1/dx/charging/history", params={**params, "pageNo": 1})
    )
    second = _ok(
        tesla.call(family_token, "/api/1/dx/charging/history", params={**params, "pageNo": 2})
    )
    total = first["totalResults"]
    assert second["totalResults"] == total > 5
    rows = first["data"] + second["data"]
    assert len({row["sessionId"] for row in rows}) == min(total, 10)
    starts = [datetime.fromisoformat(row["chargeStartDateTime"]) for row in rows]
    assert starts == sorted(starts)
    assert all(datetime.fromisoformat("2026-08-01T00:00:00+03:00") <= s for s in starts)
    bad = tesla.call(family_token, "/api/1/dx/charging/history", params={"sortBy": "price"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_field"
    assert (
        tesla.call(family_token, "/api/1/dx/charging/history", params={"pageNo": 0}).status_code
        == 400
    )


def test_charging_history_needs_charging_scope(tesla: TeslaSimulator) -> None:
    token = tesla.login("family", scope="openid vehicle_device_data")["access_token"]
    assert tesla.call(token, "/api/1/dx/charging/history").status_code == 403


def test_charging_invoice_pdf(tesla: TeslaSimulator, family_token: str) -> None:
    rows = _ok(tesla.call(family_token, "/api/1/dx/charging/history", params={"pageSize": 100}))[
        "data"
    ]
    invoice = next(row["invoices"][0] for row in rows if row["invoices"])
    pdf = tesla.call(family_token, f"/api/1/dx/charging/invoice/{invoice['contentId']}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert invoice["fileName"] in pdf.headers["Content-Disposition"]


def test_warranty_needs_vin(tesla: TeslaSimulator, family_token: str) -> None:
    missing = tesla.call(family_token, "/api/1/dx/warranty/details")
    assert missing.status_code == 500  # observed on the real API
    vin = tesla.accounts()["family"]["vehicles"][0]["vin"]
    body = _ok(tesla.call(family_token, "/api/1/dx/warranty/details", params={"vin": vin}))
    assert set(body) == {"activeWarranty", "upcomingWarranty", "expiredWarranty"}
    types = {w["warrantyType"] for w in body["activeWarranty"] + body["expiredWarranty"]}
    assert types == {"NEW_MFG_WARRANTY", "BATTERY_WARRANTY", "DRIVEUNIT_WARRANTY"}
    # The 2022 car's 4-year basic warranty ended before the data anchor (2026-11-01).
    assert [w["warrantyType"] for w in body["expiredWarranty"]] == ["NEW_MFG_WARRANTY"]
    assert body["activeWarranty"][0]["odometerUnit"] == "KM"


def test_dx_wrapper_switch(tesla: TeslaSimulator, family_token: str) -> None:
    tesla.admin("settings", {"wrap_dx_responses": True})
    vin = tesla.accounts()["family"]["vehicles"][0]["vin"]
    body = _ok(tesla.call(family_token, "/api/1/dx/vehicles/options", params={"vin": vin}))
    assert "codes" in body["response"]


def test_options(tesla: TeslaSimulator) -> None:
    token = tesla.login("solo")["access_token"]
    vin = tesla.accounts()["solo"]["vehicles"][0]["vin"]
    codes = _ok(tesla.call(token, "/api/1/dx/vehicles/options", params={"vin": vin}))["codes"]
    assert len(codes) == 6
    assert codes[0] == {
        "code": "$MT352",
        "displayName": "Premium Long Range All-Wheel Drive",
        "isActive": True,
    }
    assert {c["code"][:3] for c in codes} == {"$MT", "$PP", "$W3", "$IP", "$AP", "$SC"}


def test_recent_alerts_service_data_and_release_notes(tesla: TeslaSimulator) -> None:
    token = tesla.login("solo")["access_token"]
    vin = tesla.accounts()["solo"]["vehicles"][0]["vin"]
    alerts = _ok(tesla.call(token, f"/api/1/vehicles/{vin}/recent_alerts"))["response"][
        "recent_alerts"
    ]
    assert len(alerts) == 12
    assert set(alerts[0]) == {"name", "time", "audience", "user_text"}
    assert _ok(tesla.call(token, f"/api/1/vehicles/{vin}/service_data")) == {"response": {}}
    notes = _ok(tesla.call(token, f"/api/1/vehicles/{vin}/release_notes"))["response"]
    assert len(notes["release_notes"]) == 14
    assert {"title", "subtitle", "description", "customer_version", "image_url"} <= set(
        notes["release_notes"][0]
    )
    staged = _ok(
        tesla.call(token, f"/api/1/vehicles/{vin}/release_notes", params={"staged": "true"})
    )
    assert staged["response"]["release_notes"][0]["customer_version"] == "2026.38.4"
    image = tesla.http.get(notes["release_notes"][0]["image_url"])
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"


def test_service_data_for_a_car_in_service(tesla: TeslaSimulator) -> None:
    token = tesla.login("fleet")["access_token"]
    in_service = next(v for v in tesla.accounts()["fleet"]["vehicles"] if v["in_service"])
    body = _ok(tesla.call(token, f"/api/1/vehicles/{in_service['vin']}/service_data"))["response"]
    assert body["service_status"] == "in_service" and body["service_visit_number"].startswith("SV")


def test_specs_with_user_token_and_partner_token(tesla: TeslaSimulator) -> None:
    vin = tesla.accounts()["solo"]["vehicles"][0]["vin"]
    token = tesla.login("solo")["access_token"]
    # Tesla documents a partner token for specs: a user token is refused unless allowed.
    assert tesla.call(token, f"/api/1/vehicles/{vin}/specs").status_code == 403
    tesla.admin("/settings", json={"specs_accept_user_tokens": True})
    specs = _ok(tesla.call(token, f"/api/1/vehicles/{vin}/specs"))["response"]
    assert specs["vin"] == vin and specs["model"] == "Model 3" and specs["model_year"] == 2024
    assert specs["battery"]["usable_capacity_kwh"] > 70

    no_scope = tesla.login("solo", scope="openid vehicle_device_data")["access_token"]
    assert tesla.call(no_scope, f"/api/1/vehicles/{vin}/specs").status_code == 403

    partner = tesla.partner_token()
    fleet_vin = tesla.accounts()["fleet"]["vehicles"][5]["vin"]
    assert (
        _ok(tesla.call(partner, f"/api/1/vehicles/{fleet_vin}/specs"))["response"]["vin"]
        == fleet_vin
    )
    car_id = tesla.accounts()["solo"]["vehicles"][0]["id"]
    assert tesla.call(token, f"/api/1/vehicles/{car_id}/specs").status_code == 404, "VIN only"


def test_status_health_and_unknown_paths(tesla: TeslaSimulator, family_token: str) -> None:
    assert tesla.http.get(f"{tesla.base_url('na')}/status").text == "ok"
    assert tesla.http.get(f"{tesla.url}/health").status_code == 200
    unknown = tesla.call(family_token, "/api/1/vehicles/x/nonsense/deeper")
    assert unknown.status_code == 404
