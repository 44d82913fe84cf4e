"""Crash-safe delivery: a busy car answers 503 so Cloud Tasks retries; a worker killed mid-build
is taken over once its lease ends, and the Tesla calls of every attempt are accounted for;
duplicate and out-of-order deliveries build nothing twice."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shared.delivery import report_store
from shared.delivery.report_store import CarReport, CarStatus, claim_outcome
from shared.delivery.tasks import task_id
from shared.delivery.worker import CarBusy, build_car_report
from shared.platform.clients import storage_client
from shared.platform.settings import get_settings
from tests.delivery.conftest import wait_for_status
from tests.delivery.worker_process import KILLED

REPO_ROOT = Path(__file__).resolve().parents[2]
FAMILY_VINS = ("LRW3E7FA1NC208561", "XP7YGCEL3PB109274")
QUEUE = "projects/cpt-test/locations/europe-north1/queues/reports"
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


# --- pure: who may build a car ------------------------------------------------------------------


def test_a_live_lease_is_busy_and_says_how_long():
    car = CarReport(vehicle_id=1, status=CarStatus.RUNNING, lease_until=NOW + timedelta(seconds=90))
    assert claim_outcome(car, NOW, 0) == "busy"
    assert car.lease_left_s(NOW) == 90
    busy = CarBusy(car.lease_left_s(NOW))
    assert busy.status == 503 and busy.headers() == {"Retry-After": "90"}


def test_an_expired_lease_is_taken_over_and_a_final_car_is_done():
    stale = CarReport(
        vehicle_id=1, status=CarStatus.RUNNING, lease_until=NOW - timedelta(seconds=1)
    )
    assert claim_outcome(stale, NOW, 0) == "claimed"
    assert claim_outcome(CarReport(vehicle_id=1), NOW, None) == "claimed"
    for status in (CarStatus.COMPLETE, CarStatus.PARTIAL, CarStatus.FAILED):
        assert claim_outcome(CarReport(vehicle_id=1, status=status), NOW, 0) == "done"


def test_only_the_planned_generation_rebuilds_a_partial_car():
    retrying = CarReport(
        vehicle_id=1, status=CarStatus.PARTIAL, generation=2, next_attempt_at=NOW, retries=2
    )
    assert claim_outcome(retrying, NOW, 2) == "claimed"
    assert claim_outcome(retrying, NOW, 1) == "done"  # an older task, delivered late
    assert claim_outcome(retrying, NOW, 3) == "done"
    assert claim_outcome(retrying, NOW, None) == "done"


# --- a worker process killed between its Tesla calls and its upload ----------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _worker_process(port: int, env: dict[str, str], *, die: bool) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "tests.delivery.worker_process", "--port", str(port)]
    process = subprocess.Popen(
        [*command, *(["--die-before-upload"] if die else [])],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        assert process.poll() is None, "the worker process did not start"
        time.sleep(0.05)
    process.kill()
    raise AssertionError("the worker process did not listen")


def _order_level(session_key: str) -> tuple[int, int]:
    """Billed calls and cost of the order's account-level calls (its charging history)."""
    history, _ = report_store.history_artifact(get_settings(), session_key)
    calls = history.tesla_calls if history else []
    return sum(c["billed_attempts"] for c in calls), sum(c["cost_micro_usd"] for c in calls)


def _stored_objects(order_id: str) -> set[str]:
    bucket = storage_client().bucket(get_settings().reports_bucket)
    return {blob.name for blob in bucket.list_blobs(prefix=f"{order_id}/")}


def test_a_worker_killed_mid_build_is_retried_and_every_billed_call_is_accounted_for(
    order, fast_tesla, tasks_emulator, monkeypatch
):
    port = _free_port()
    monkeypatch.setenv("CPT_WORKER_URL", f"http://127.0.0.1:{port}/api/v1/internal/reports/worker")
    get_settings.cache_clear()
    # The cloud's retry shape (backoff, then retries until the task is delivered), sped up, and
    # a short lease in the worker processes so the takeover comes within the test's patience.
    tasks_emulator.admin(
        "queues",
        {"name": QUEUE, "retryConfig": {"minBackoff": "1s", "maxBackoff": "2s", "maxAttempts": 60}},
    )
    env = {**os.environ, "CPT_WORKER_LEASE_S": "3"}
    processes = [_worker_process(port, env, die=True)]
    try:
        order.ready("solo", "pro", voucher="PILOT2026")
        fast_tesla.admin("ledger/reset", {})
        assert order.create_intent().json["status"] == "paid"
        assert processes[0].wait(timeout=60) == KILLED

        session = order.session()
        vehicle_id = session.selected_vehicle_ids[0]
        lost = report_store.car_documents(get_settings(), session.session_key)[vehicle_id]
        assert lost.status == CarStatus.RUNNING and lost.attempts == 1 and lost.json_path is None
        assert set(lost.attempt_calls) == {"1"}  # recorded before the process died
        # What Tesla billed so far is what the lost attempt recorded (plus the order's one
        # charging-history fetch, recorded on its own document).
        billed_before_the_kill = fast_tesla.ledger()["billed_calls"]
        recorded = lost.attempt_calls["1"].billed_calls + _order_level(session.session_key)[0]
        assert recorded == billed_before_the_kill > 0

        # A new instance; Cloud Tasks' next retry reaches it and completes the order.
        processes.append(_worker_process(port, env, die=False))
        session = wait_for_status(order, "complete")
        task = tasks_emulator.admin(f"tasks/{task_id(session.order_id, vehicle_id, 0)}")
    finally:
        for process in processes:
            process.kill()
            process.wait()
        tasks_emulator.reset()
        monkeypatch.undo()
        get_settings.cache_clear()

    assert task["state"] == "succeeded"
    assert task["attempts"][0]["outcome"] != "ok"  # the killed delivery failed and was retried
    car = report_store.car_documents(get_settings(), session.session_key)[vehicle_id]
    assert car.status == CarStatus.COMPLETE and car.attempts == 2
    assert set(car.attempt_calls) == {"1", "2"}
    # Both builds made the package's calls once; the car's record sums them, as Tesla billed.
    ledger = fast_tesla.ledger()
    order_billed, order_cost = _order_level(session.session_key)
    assert car.attempt_calls["1"].billed_calls == car.attempt_calls["2"].billed_calls
    billed = sum(call["billed_attempts"] for call in car.tesla_calls)
    assert billed + order_billed == ledger["billed_calls"]
    assert car.tesla_cost_micro_usd + order_cost == ledger["total_cost_micro_usd"]
    attempts_cost = sum(a.tesla_cost_micro_usd for a in car.attempt_calls.values())
    assert attempts_cost == car.tesla_cost_micro_usd
    # The order's charging history was fetched once (by the lost attempt) and reused.
    assert fast_tesla.ledger()["by_endpoint"]["charging_history"]["calls"] == 1
    # One report for the car.
    reports = {name for name in _stored_objects(session.order_id) if f"/{vehicle_id}." in name}
    assert reports == {
        f"{session.order_id}/{vehicle_id}.json",
        f"{session.order_id}/{vehicle_id}.pdf",
    }


# --- the same task twice, concurrently, late, or of another generation --------------------------


def test_duplicate_and_out_of_order_deliveries_build_one_report_per_car(
    order, fast_tesla, tasks_emulator
):
    # Every delivery is sent twice at once: the copy meets the original's lease (503, retried).
    tasks_emulator.inject(kind="duplicate", always=True, seconds=0)
    try:
        order.ready("family", "pro", voucher="PILOT2026")
        fast_tesla.admin("ledger/reset", {})
        assert order.create_intent().json["status"] == "paid"
        session = wait_for_status(order, "complete")
        names = [task_id(session.order_id, v, 0) for v in session.selected_vehicle_ids]
        # A copy that met a lease is retried after Retry-After (the lease left): let it come.
        # A copy may answer its 503 after the order completed, so its retry can be scheduled
        # after a first clock advance: advance until every task has succeeded (a few rounds).
        for _ in range(3):
            assert tasks_emulator.wait_idle()
            tasks = [tasks_emulator.admin(f"tasks/{name}") for name in names]
            if {task["state"] for task in tasks} == {"succeeded"}:
                break
            tasks_emulator.advance(get_settings().worker_lease_s + 1)
    finally:
        tasks_emulator.reset()

    assert {task["state"] for task in tasks} == {"succeeded"}
    statuses = [
        answer.get("status_code")
        for task in tasks
        for attempt in task["attempts"]
        for answer in [attempt, *attempt.get("duplicates", [])]
    ]
    assert 503 in statuses, statuses  # a busy car is never acknowledged with a 2xx
    cars = report_store.car_documents(get_settings(), session.session_key)
    for vehicle in session.selected_vehicles:
        car = cars[vehicle.id]
        assert car.status == CarStatus.COMPLETE and car.attempts == 1
        ledger = fast_tesla.ledger(vin=vehicle.vin)
        assert sum(call["billed_attempts"] for call in car.tesla_calls) == ledger["billed_calls"]
        assert ledger["by_endpoint"]["vehicle_data"]["calls"] == 1

    # Late copies: the same generation, an older and a newer one — nothing is built or called.
    calls = fast_tesla.ledger()["total_calls"]
    for vehicle_id in session.selected_vehicle_ids:
        for generation in (0, 0, 3):
            outcome = build_car_report(get_settings(), session.session_key, vehicle_id, generation)
            assert outcome == "done"
    assert fast_tesla.ledger()["total_calls"] == calls
    assert set(FAMILY_VINS) == {v.vin for v in session.selected_vehicles}
