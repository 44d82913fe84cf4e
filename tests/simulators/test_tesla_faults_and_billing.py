"""Injected faults, rate limits, regions (412/421) and the billing ledger, over HTTP."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest
import requests

from tests.fixtures.tesla_sim import TeslaSimulator

DATA_MICRO_USD = 2_000
WAKE_MICRO_USD = 20_000
SPECS_MICRO_USD = 100_000


@pytest.fixture
def solo(tesla: TeslaSimulator) -> tuple[str, str]:
    """(access token, VIN) of the single online Model 3."""
    token = str(tesla.login("solo")["access_token"])
    return token, tesla.accounts()["solo"]["vehicles"][0]["vin"]


# --- faults ------------------------------------------------------------------------------------


def test_fail_next_n_calls_then_recover(tesla: TeslaSimulator, solo: tuple[str, str]) -> None:
    token, vin = solo
    tesla.inject(kind="error", status=503, count=2, endpoint="vehicle_data")
    path = f"/api/1/vehicles/{vin}/vehicle_data"
    assert [tesla.call(token, path).status_code for _ in range(3)] == [503, 503, 200]
    assert tesla.call(token, "/api/1/vehicles").status_code == 200, "other endpoints unaffected"
    assert tesla.admin("faults")["faults"] == [], "a count rule retires when used up"


def test_every_nth_call_fails(tesla: TeslaSimulator, solo: tuple[str, str]) -> None:
    token, _ = solo
    rule = tesla.inject(kind="error", status=500, every_nth=3)
    statuses = [tesla.call(token, "/api/1/vehicles").status_code for _ in range(6)]
    assert statuses == [200, 200, 500, 200, 200, 500]
    tesla.admin(f"faults/{rule['id']}", method="DELETE")
    assert tesla.call(token, "/api/1/vehicles").status_code == 200


def test_injected_500_body_and_vin_filter(tesla: TeslaSimulator) -> None:
    token = tesla.login("family")["access_token"]
    cars = tesla.accounts()["family"]["vehicles"]
    tesla.inject(kind="error", status=500, vin=cars[0]["vin"])
    failed = tesla.call(token, f"/api/1/vehicles/{cars[0]['id']}")
    assert failed.status_code == 500 and failed.json()["error"] == "upstream internal error"
    assert tesla.call(token, f"/api/1/vehicles/{cars[1]['id']}").status_code == 200


def test_rate_limit_burst(tesla: TeslaSimulator, solo: tuple[str, str]) -> None:
    token, _ = solo
    tesla.inject(kind="rate_limit", count=2, retry_after=37)
    limited = tesla.call(token, "/api/1/vehicles")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "37"
    assert limited.json()["error"] == "Retry in 37 seconds"
    assert tesla.call(token, "/api/1/vehicles").status_code == 429
    assert tesla.call(token, "/api/1/vehicles").status_code == 200


def test_latency_injection(tesla: TeslaSimulator, solo: tuple[str, str]) -> None:
    token, _ = solo
    tesla.inject(kind="latency", seconds=0.25, count=1, endpoint="vehicles")
    started = time.monotonic()
    assert tesla.call(token, "/api/1/vehicles").status_code == 200
    assert time.monotonic() - started >= 0.25
    started = time.monotonic()
    tesla.call(token, "/api/1/vehicles")
    assert time.monotonic() - started < 0.25


def test_token_endpoint_faults(tesla: TeslaSimulator) -> None:
    code = tesla.authorize("solo")["code"]
    tesla.inject(kind="error", status=503, count=1, endpoint="token")
    assert tesla.exchange(code).status_code == 503
    assert tesla.exchange(code).status_code == 200, "a failed attempt does not burn the code"


def test_invalid_fault_is_rejected(tesla: TeslaSimulator) -> None:
    response = tesla.http.post(f"{tesla.url}/admin/faults", json={"kind": "meteor"})
    assert response.status_code == 400


def test_put_car_to_sleep_or_offline(tesla: TeslaSimulator, solo: tuple[str, str]) -> None:
    token, vin = solo
    path = f"/api/1/vehicles/{vin}/vehicle_data"
    tesla.set_vehicle(vin, state="asleep")
    assert tesla.call(token, path).status_code == 408
    tesla.set_vehicle(vin, state="offline")
    assert tesla.call(token, f"/api/1/vehicles/{vin}").json()["response"]["state"] == "offline"
    tesla.set_vehicle(vin, state="online")
    assert tesla.call(token, path).status_code == 200


def test_unavailable_status_can_be_503(tesla: TeslaSimulator, solo: tuple[str, str]) -> None:
    token, vin = solo
    tesla.admin("settings", {"vehicle_unavailable_status": 503})
    tesla.set_vehicle(vin, state="asleep")
    response = tesla.call(token, f"/api/1/vehicles/{vin}/vehicle_data")
    assert response.status_code == 503
    assert response.json()["error"].startswith("vehicle unavailable")


def test_expire_tokens_now(tesla: TeslaSimulator) -> None:
    solo = tesla.login("solo")
    family = tesla.login("family")
    assert tesla.admin("tokens/expire", {"account": "solo"})["expired_access_tokens"] == 1
    assert (
        tesla.call(solo["access_token"], "/api/1/vehicles").json()["error"] == "token expired (401)"
    )
    assert tesla.call(family["access_token"], "/api/1/vehicles").status_code == 200
    # The refresh token still works, unless refresh tokens are revoked too (password reset).
    assert tesla.refresh(solo["refresh_token"]).status_code == 200
    tesla.admin("tokens/expire", {"refresh_tokens": True})
    assert tesla.refresh(family["refresh_token"]).json()["error"] == "login_required"


def test_revoke_access_tokens_on_refresh_setting(tesla: TeslaSimulator) -> None:
    tesla.admin("settings", {"revoke_access_tokens_on_refresh": True})
    first = tesla.login("solo")
    second = tesla.refresh(first["refresh_token"]).json()
    rotated_again = tesla.refresh(second["refresh_token"]).json()
    assert tesla.call(second["access_token"], "/api/1/vehicles").status_code == 401
    assert tesla.call(rotated_again["access_token"], "/api/1/vehicles").status_code == 200


# --- regions -----------------------------------------------------------------------------------


def test_wrong_region_gets_421_with_the_right_base_url(
    tesla: TeslaSimulator, solo: tuple[str, str]
) -> None:
    token, _ = solo
    response = tesla.call(token, "/api/1/vehicles", region="na")
    assert response.status_code == 421
    match = re.search(r"use base URL: (https?://[^ ,]+)", response.json()["error"])
    assert match and match.group(1) == tesla.base_url("eu")
    # A client that follows the hint succeeds.
    assert (
        tesla.http.get(
            f"{match.group(1)}/api/1/users/region", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 200
    )


def test_na_account_lives_in_na(tesla: TeslaSimulator) -> None:
    token = tesla.login("na")["access_token"]
    region = tesla.call(token, "/api/1/users/region", region="na").json()["response"]
    assert region == {"region": "na", "fleet_api_base_url": tesla.base_url("na")}
    assert tesla.call(token, "/api/1/vehicles", region="eu").status_code == 421
    cars = tesla.call(token, "/api/1/vehicles", region="na").json()["response"]
    data = tesla.call(token, f"/api/1/vehicles/{cars[0]['vin']}/vehicle_data", region="na").json()
    assert data["response"]["gui_settings"]["gui_distance_units"] == "mi/hr"
    assert data["response"]["vehicle_config"]["charge_port_type"] == "US"


def test_421_uses_the_request_host(tesla: TeslaSimulator, solo: tuple[str, str]) -> None:
    token, _ = solo
    localhost_root = tesla.url.replace("127.0.0.1", "localhost")
    response = requests.get(
        f"{localhost_root}/na/api/1/vehicles",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert f"use base URL: {localhost_root}/eu," in response.json()["error"]


def test_moving_an_account_to_another_region(tesla: TeslaSimulator, solo: tuple[str, str]) -> None:
    token, _ = solo
    tesla.admin("accounts/solo/region", {"region": "na"})
    response = tesla.call(token, "/api/1/vehicles", region="eu")
    assert response.status_code == 421 and tesla.base_url("na") in response.json()["error"]
    assert tesla.call(token, "/api/1/vehicles", region="na").status_code == 200


def test_unregistered_region_is_412(tesla: TeslaSimulator, solo: tuple[str, str]) -> None:
    token, _ = solo
    response = tesla.call(token, "/api/1/users/region", region="cn")
    assert response.status_code == 412
    assert response.json()["error"].startswith("Account cpt-local-client must be registered")
    tesla.admin("regions", {"registered": ["na"]})
    assert tesla.call(token, "/api/1/vehicles", region="eu").status_code == 412


# --- rate limits -------------------------------------------------------------------------------


def test_vehicle_data_limit_is_60_per_minute_per_car(tesla: TeslaSimulator) -> None:
    token = tesla.login("fleet")["access_token"]
    online = [v["vin"] for v in tesla.accounts()["fleet"]["vehicles"] if v["state"] == "online"]
    path = f"/api/1/vehicles/{online[0]}/vehicle_data?endpoints=charge_state"
    statuses = [tesla.call(token, path).status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60 and statuses[60] == 429
    limited = tesla.call(token, path)
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["RateLimit-Limit"] == "60"
    assert limited.headers["RateLimit-Remaining"] == "0"
    # Another car has its own budget.
    assert tesla.call(token, f"/api/1/vehicles/{online[1]}/vehicle_data").status_code == 200
    tesla.advance(61)
    assert tesla.call(token, path).status_code == 200


def test_wake_limit_is_3_per_minute(tesla: TeslaSimulator) -> None:
    token = tesla.login("family")["access_token"]
    vin = tesla.accounts()["family"]["vehicles"][1]["vin"]
    path = f"/api/1/vehicles/{vin}/wake_up"
    statuses = [tesla.call(token, path, method="POST").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    tesla.advance(60)
    assert tesla.call(token, path, method="POST").status_code == 200


# --- ledger ------------------------------------------------------------------------------------


def _pro_report_calls(tesla: TeslaSimulator, token: str, vin: str) -> None:
    """The seven Fleet calls of a Pro report for one car."""
    tesla.call(token, f"/api/1/vehicles/{vin}/vehicle_data")
    tesla.call(token, "/api/1/dx/charging/history", params={"vin": vin})
    tesla.call(token, f"/api/1/vehicles/{vin}/recent_alerts")
    tesla.call(token, f"/api/1/vehicles/{vin}/service_data")
    tesla.call(token, "/api/1/dx/warranty/details", params={"vin": vin})
    tesla.call(token, f"/api/1/vehicles/{vin}/release_notes")
    tesla.call(token, "/api/1/dx/vehicles/options", params={"vin": vin})


def test_ledger_counts_a_pro_and_an_expert_report_exactly(
    tesla: TeslaSimulator, solo: tuple[str, str]
) -> None:
    token, vin = solo
    tesla.call(token, "/api/1/vehicles")  # free
    _pro_report_calls(tesla, token, vin)
    ledger = tesla.ledger()
    assert ledger["billed_calls"] == 8
    assert ledger["by_category"]["data"] == {"calls": 7, "cost_micro_usd": 7 * DATA_MICRO_USD}
    assert ledger["by_category"]["free"] == {"calls": 1, "cost_micro_usd": 0}
    assert ledger["total_cost_micro_usd"] == 14_000
    assert ledger["total_cost_usd"] == "0.014000"

    tesla.call(token, f"/api/1/vehicles/{vin}/specs")
    ledger = tesla.ledger(entries="false")
    assert ledger["total_cost_micro_usd"] == 14_000 + SPECS_MICRO_USD
    assert ledger["total_cost_usd"] == "0.114000"
    assert "entries" not in ledger


def test_ledger_bills_4xx_but_not_5xx(tesla: TeslaSimulator) -> None:
    token = tesla.login("family")["access_token"]
    asleep = tesla.accounts()["family"]["vehicles"][1]["vin"]
    assert tesla.call(token, f"/api/1/vehicles/{asleep}/vehicle_data").status_code == 408
    assert tesla.call(token, f"/api/1/vehicles/{asleep}/wake_up", method="POST").status_code == 200
    assert tesla.call(token, "/api/1/dx/warranty/details").status_code == 500
    tesla.inject(kind="error", status=503, count=1)
    assert tesla.call(token, f"/api/1/vehicles/{asleep}/vehicle_data").status_code == 503
    ledger = tesla.ledger()
    assert (
        ledger["total_calls"] == 4 and ledger["billed_calls"] == 2 and ledger["unbilled_calls"] == 2
    )
    assert ledger["total_cost_micro_usd"] == DATA_MICRO_USD + WAKE_MICRO_USD
    assert ledger["by_status"] == {"408": 1, "200": 1, "500": 1, "503": 1}
    first = ledger["entries"][0]
    assert first["endpoint"] == "vehicle_data" and first["vin"] == asleep
    assert first["account"] == "family" and first["client_id"] == "cpt-local-client"


def test_ledger_filters_and_reset(tesla: TeslaSimulator) -> None:
    token = tesla.login("family")["access_token"]
    cars = [v["vin"] for v in tesla.accounts()["family"]["vehicles"]]
    tesla.call(token, f"/api/1/vehicles/{cars[0]}/vehicle_data")
    tesla.call(token, f"/api/1/vehicles/{cars[0]}/recent_alerts")
    tesla.call(token, f"/api/1/vehicles/{cars[1]}/recent_alerts")
    assert tesla.ledger(vin=cars[0])["billed_calls"] == 2
    assert tesla.ledger(endpoint="recent_alerts")["billed_calls"] == 2
    tesla.admin("ledger/reset", {})
    assert tesla.ledger()["total_calls"] == 0


def test_auth_calls_and_429s(tesla: TeslaSimulator, solo: tuple[str, str]) -> None:
    token, vin = solo
    assert tesla.ledger()["total_calls"] == 0, "OAuth calls are never billed"
    tesla.inject(kind="rate_limit", count=1)
    assert tesla.call(token, f"/api/1/vehicles/{vin}/vehicle_data").status_code == 429
    ledger = tesla.ledger()
    assert ledger["billed_calls"] == 1 and ledger["total_cost_micro_usd"] == DATA_MICRO_USD


# --- clock and reset ---------------------------------------------------------------------------


def test_clock_and_reset(tesla: TeslaSimulator) -> None:
    before = tesla.admin("clock")
    after = tesla.advance(3600)
    assert after - before["now"] >= 3600
    tesla.admin("settings", {"wake_delay_seconds": 0})
    tesla.set_vehicle(tesla.accounts()["solo"]["vehicles"][0]["vin"], state="offline")
    tesla.inject(kind="error", count=5)
    tesla.reset()
    assert tesla.admin("clock")["offset_seconds"] == 0
    assert tesla.admin("faults")["faults"] == []
    assert tesla.admin("settings")["wake_delay_seconds"] == 15
    assert tesla.accounts()["solo"]["vehicles"][0]["state"] == "online"


def test_frozen_clock_only_moves_when_advanced(tesla: TeslaSimulator) -> None:
    frozen = tesla.admin("clock", {"freeze": True})
    time.sleep(0.05)
    assert tesla.admin("clock")["now"] == frozen["now"]
    assert tesla.admin("clock", {"advance_seconds": 10})["now"] == frozen["now"] + 10


# --- CLI ---------------------------------------------------------------------------------------


def test_cli_serves_http(unused_port: int) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulators.tesla_fleet",
            "--host",
            "127.0.0.1",
            "--port",
            str(unused_port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{unused_port}/health", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "simulator CLI did not start"
                time.sleep(0.05)
        assert response.json() == {"status": "ok"}
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
