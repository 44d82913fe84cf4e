"""From payment to reports: fan-out on Cloud Tasks, exact Tesla calls, JSON + PDF, robustness."""

from __future__ import annotations

import io
import json
import time

import pypdf
import requests

from shared.delivery import report_store
from shared.delivery.tasks import task_id
from shared.orders import sessions
from shared.orders.manifests import read_manifest
from shared.orders.order_state import SessionStatus
from shared.platform.settings import get_settings
from tests.delivery.conftest import pay_free, wait_for_status

FAMILY_MODEL_3 = "LRW3E7FA1NC208561"
FAMILY_MODEL_Y = "XP7YGCEL3PB109274"  # asleep


def _billed(tesla, vin: str | None = None) -> dict[str, int]:
    ledger = tesla.ledger(**({"vin": vin} if vin else {}))
    return {name: row["calls"] for name, row in ledger["by_endpoint"].items() if row["calls"]}


def test_card_payment_to_complete_reports_without_the_wui_calling_generate(order, fast_tesla):
    order.ready("family", "pro")
    intent = order.create_intent().json["stripe"]
    order.browser.ledger.add(intent["client_secret"])
    fast_tesla.admin("ledger/reset", {})
    assert order.pay_with_card(intent["payment_intent_id"])["status"] == "succeeded"

    session = wait_for_status(order, "complete")
    assert session.tokens is None  # nothing more to fetch: tokens deleted

    body = order.gateway.get(f"/api/v1/tesla/report/{order.session_id}").json
    assert body["status"] == "complete"
    assert {car["status"] for car in body["vehicles"]} == {"complete"}
    assert set(body["reports"]) == {str(car["id"]) for car in body["vehicles"]}
    for car in body["vehicles"]:
        report = body["reports"][str(car["id"])]
        assert car["vin"].endswith("****")
        pdf = order.gateway.get(f"/api/v1/tesla/report/{order.session_id}/pdf/{car['id']}")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
        assert pdf.headers["Content-Disposition"].startswith("attachment;")
        text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
        assert car["vin"] in text  # the masked VIN is printed ...
        assert FAMILY_MODEL_3 not in text and FAMILY_MODEL_Y not in text  # ... never the full one
        assert report["package"] == "pro" and report["status"] == "complete"

    # Exactly the package's billed calls per car (Pro: 6 per car + one order-level charging
    # history fetch), plus one wake for the sleeping Model Y; no vehicle_data twice.
    model_3 = _billed(fast_tesla, FAMILY_MODEL_3)
    model_y = _billed(fast_tesla, FAMILY_MODEL_Y)
    pro_modules = {"vehicle_data", "recent_alerts", "service_data", "warranty_details",
                   "release_notes", "options"}  # fmt: skip
    assert set(model_3) - {"vehicle"} == pro_modules and all(
        model_3[m] == 1 for m in pro_modules
    ), model_3
    assert model_y.get("wake_up") == 1 and all(model_y[m] == 1 for m in pro_modules), model_y
    assert _billed(fast_tesla).get("charging_history") == 1

    manifest = read_manifest(get_settings(), session.order_id)
    assert manifest["payment_method"] == "stripe"
    receipt = order.gateway.get(f"/api/v1/tesla/report/{order.session_id}/receipt")
    assert receipt.status_code == 200 and receipt.data.startswith(b"%PDF")
    receipt_text = pypdf.PdfReader(io.BytesIO(receipt.data)).pages[0].extract_text()
    assert session.order_id in receipt_text and "6.09" in receipt_text  # VAT of €29.99
    delivery_url = (
        f"{_gcs()}/storage/v1/b/{get_settings().reports_bucket}/o/"
        f"{session.order_id}%2Fdelivery.json?alt=media"
    )
    # Written just after the order turns complete (outside the completing transaction).
    deadline = time.monotonic() + 15
    while (stored := requests.get(delivery_url, timeout=10)).status_code == 404:
        assert time.monotonic() < deadline, "delivery.json was never written"
        time.sleep(0.1)
    delivery = json.loads(stored.content)
    assert {car["status"] for car in delivery["cars"]} == {"complete"}
    assert all(car["tesla_cost_micro_usd"] > 0 for car in delivery["cars"])

    # The WUI's generate afterwards is a harmless retry: same reports, no new Tesla calls.
    before = fast_tesla.ledger()["total_calls"]
    again = order.gateway.post("/api/v1/reports/generate", json={"session_id": order.session_id})
    assert again.json == {"status": "complete", "vehicle_count": 2}
    assert fast_tesla.ledger()["total_calls"] == before

    # Charging history is account-level at Tesla: each car's report holds exactly its own
    # sessions — compared with the account's full history read straight from the simulator.
    token = fast_tesla.login("family")["access_token"]
    rows = fast_tesla.call(
        token, "/api/1/dx/charging/history", params={"pageSize": 100, "pageNo": 1}
    ).json()["data"]
    vin_of_session = {row["sessionId"]: row["vin"] for row in rows}
    for vin in (FAMILY_MODEL_3, FAMILY_MODEL_Y):
        car = next(v for v in body["vehicles"] if v["vin"].startswith(vin[:13]))
        history = body["reports"][str(car["id"])]["charging_history"]
        in_report = {s["session_id"] for s in history["sessions"]}
        expected = {sid for sid, owner in vin_of_session.items() if owner == vin}
        assert in_report == expected and expected
        assert history["session_count"] == len(expected)


def _gcs() -> str:
    import os

    return os.environ["STORAGE_EMULATOR_HOST"]


def test_the_same_task_delivered_twice_builds_one_report(order, fast_tesla, tasks_emulator):
    pay_free(order, "solo", "basic")
    session = wait_for_status(order, "complete")
    calls = fast_tesla.ledger()["total_calls"]
    vehicle_id = session.selected_vehicle_ids[0]
    # The emulator delivered the car's task with its OIDC token, which the worker accepted.
    car = report_store.car_documents(get_settings(), session.session_key)[vehicle_id]
    name = task_id(session.order_id, vehicle_id, car.generation)
    delivered = tasks_emulator.admin(f"tasks/{name}")
    assert delivered["state"] == "succeeded", delivered
    token = tasks_emulator.token(
        audience=get_settings().worker_url, email=get_settings().tasks_invoker_service_account
    )
    response = order.gateway.post(
        "/api/v1/internal/reports/worker",
        json={"session_key": session.session_key, "vehicle_id": vehicle_id, "generation": 0},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    assert response.json["outcome"] in ("skipped:complete", "done")
    assert fast_tesla.ledger()["total_calls"] == calls


def test_worker_refuses_callers_without_a_token(order):
    response = order.gateway.post(
        "/api/v1/internal/reports/worker",
        json={"session_key": "a" * 64, "vehicle_id": 1, "generation": 0},
    )
    assert response.status_code == 401


def test_a_car_that_stays_asleep_gives_a_partial_report_with_the_reason(
    order, fast_tesla, monkeypatch
):
    monkeypatch.setenv("CPT_TESLA_WAKE_TIMEOUT_S", "3")
    get_settings.cache_clear()
    fast_tesla.set_vehicle(FAMILY_MODEL_Y, state="asleep", wake_delay_seconds=100000)
    try:
        pay_free(order, "family", "pro")
        session = wait_for_status(order, "complete")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    cars = report_store.car_documents(get_settings(), session.session_key)
    by_vin = {v.vin: cars[v.id] for v in session.selected_vehicles}
    sleeper = by_vin[FAMILY_MODEL_Y]
    assert sleeper.status == "partial"  # what could be read without the car awake
    assert sleeper.modules is not None and sleeper.reason is not None
    assert sleeper.modules["vehicle_data"] == "unavailable"
    assert sleeper.modules["warranty"] == "ok" and sleeper.modules["charging_history"] == "ok"
    assert "asleep" in sleeper.reason
    assert by_vin[FAMILY_MODEL_3].status == "complete"
    report = order.gateway.get(f"/api/v1/tesla/report/{order.session_id}").json
    car = next(v for v in report["vehicles"] if v["vin"].startswith(FAMILY_MODEL_Y[:13]))
    assert car["status"] == "partial" and "asleep" in car["reason"]
    assert _billed(fast_tesla, FAMILY_MODEL_Y).get("wake_up") == 1


def test_expired_access_token_is_refreshed(order, fast_tesla):
    order.ready("solo", "pro", voucher="PILOT2026")
    fast_tesla.admin("tokens/expire", {"account": "solo", "refresh_tokens": False})
    assert order.create_intent().json["status"] == "paid"
    session = wait_for_status(order, "complete")
    cars = report_store.car_documents(get_settings(), session.session_key)
    assert {car.status for car in cars.values()} == {"complete"}


def test_revoked_refresh_token_needs_a_reconnect_then_completes_without_paying(order, fast_tesla):
    order.ready("solo", "basic", voucher="PILOT2026")
    fast_tesla.admin("tokens/expire", {"account": "solo", "refresh_tokens": True})
    assert order.create_intent().json["status"] == "paid"
    waiting = wait_for_status(order, "reconnect_required")
    retry = order.gateway.post("/api/v1/reports/generate", json={"session_id": order.session_id})
    assert retry.status_code == 409 and retry.json["error"]["reason"] == "reconnect_required"

    result = order.browser.connect("solo", session_id=order.session_id)
    assert result.params["reconnected"] == "1"
    done = wait_for_status(order, "complete")
    assert done.payment == waiting.payment  # the same payment: nothing paid again


def test_rate_limits_and_server_errors_are_ridden_out(order, fast_tesla):
    fast_tesla.inject(kind="rate_limit", count=2, retry_after=1, endpoint="vehicle_data")
    fast_tesla.inject(kind="error", status=503, count=2, endpoint="recent_alerts")
    pay_free(order, "solo", "pro")
    session = wait_for_status(order, "complete")
    cars = report_store.car_documents(get_settings(), session.session_key)
    assert {car.status for car in cars.values()} == {"complete"}


def test_reports_before_payment_are_409(order):
    order.ready("solo", "basic")
    response = order.gateway.get(f"/api/v1/tesla/report/{order.session_id}")
    assert response.status_code == 409
    assert response.json["error"]["status"] == "vehicles_selected"
    pdf = order.gateway.get(f"/api/v1/tesla/report/{order.session_id}/pdf/1")
    assert pdf.status_code == 409
    assert (
        sessions.load_session(get_settings(), order.session_id).status
        == SessionStatus.VEHICLES_SELECTED
    )
