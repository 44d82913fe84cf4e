"""The reconciler repairs each kind of lost step once, through its function, and then nothing."""

from __future__ import annotations

from shared.delivery import generation, report_store
from shared.orders.manifests import manifest_path, receipt_path
from shared.orders.order_state import SessionStatus
from shared.payments import settlement
from shared.platform.settings import get_settings
from tests.delivery.conftest import pay_free, wait_for_status
from tests.operations.conftest import (
    age_order,
    ago,
    blob_exists,
    delete_blob,
    reconcile,
    session_of,
    set_car,
    wait_for_blob,
)


def _pay_without_generation(order, monkeypatch, account: str = "solo") -> None:
    """Paid, and the instance died before generation started (manifest and receipt written)."""
    monkeypatch.setattr(settlement, "start_reports", lambda settings, stored: stored)
    pay_free(order, account, "basic")
    monkeypatch.undo()
    assert session_of(order).status == SessionStatus.PAID


def _nothing_to_repair(order) -> None:
    again = reconcile(order)
    assert again["repairs"] == {}, again


def test_a_paid_order_whose_generation_never_started_is_started(order, firestore_db, monkeypatch):
    _pay_without_generation(order, monkeypatch)
    session = session_of(order)
    # Within the grace period the payment's own request may still be at it: left alone.
    assert reconcile(order)["repairs"] == {}

    age_order(firestore_db, session.session_key)
    assert reconcile(order)["repairs"] == {"generation_not_started": 1}
    wait_for_status(order, "complete")
    assert blob_exists(f"{session.order_id}/delivery.json")
    _nothing_to_repair(order)


def test_an_order_generating_without_car_documents_is_started(order, firestore_db, monkeypatch):
    _pay_without_generation(order, monkeypatch)
    session = session_of(order)
    firestore_db.collection(get_settings().sessions_collection).document(
        session.session_key
    ).update({"status": "generating"})  # died between the status write and the car documents
    age_order(firestore_db, session.session_key)
    assert reconcile(order)["repairs"] == {"generation_not_started": 1}
    wait_for_status(order, "complete")
    _nothing_to_repair(order)


def test_a_running_car_whose_lease_expired_is_queued_again(order, firestore_db, monkeypatch):
    _pay_without_generation(order, monkeypatch, account="family")
    session = session_of(order)
    key = session.session_key
    # A worker claimed the first car and died; the second car's worker is alive and building.
    dead, alive = session.selected_vehicle_ids
    firestore_db.collection(get_settings().sessions_collection).document(key).update(
        {"status": "generating"}
    )
    set_car(firestore_db, key, dead, status="running", attempts=1, generation=0,
            lease_until=ago(60), updated_at=ago(700))  # fmt: skip
    set_car(firestore_db, key, alive, status="running", attempts=1,
            generation=0, lease_until=ago(-600), updated_at=ago(5))  # fmt: skip

    assert reconcile(order)["repairs"] == {"car_requeued": 1}
    cars = report_store.car_documents(get_settings(), key)
    assert cars[alive].status == "running" and cars[alive].generation == 0  # not touched
    assert cars[dead].generation == 1  # a new task name: the old one is spent
    _nothing_to_repair(order)

    # The live worker ends its car and completes the order if it is last, as a worker does; the
    # re-queued car is built by its new task.
    report_store.update_car(
        get_settings(), key, alive, report_store.CarUpdate(status=report_store.CarStatus.FAILED)
    )
    generation.finish_if_done(get_settings(), key)
    done = wait_for_status(order, "complete")
    cars = report_store.car_documents(get_settings(), done.session_key)
    assert cars[dead].status == "complete" and cars[dead].attempts == 2


def test_a_pending_car_whose_task_was_lost_is_queued_again(order, firestore_db, monkeypatch):
    _pay_without_generation(order, monkeypatch)
    session = session_of(order)
    key = session.session_key
    (vehicle_id,) = session.selected_vehicle_ids
    firestore_db.collection(get_settings().sessions_collection).document(key).update(
        {"status": "generating"}
    )
    set_car(firestore_db, key, vehicle_id, status="pending", attempts=0,
            generation=0, updated_at=ago(60))  # fmt: skip
    assert reconcile(order)["repairs"] == {}  # a task retrying with backoff: not yet stuck

    set_car(firestore_db, key, vehicle_id, updated_at=ago(3600))
    assert reconcile(order)["repairs"] == {"car_requeued": 1}
    wait_for_status(order, "complete")
    _nothing_to_repair(order)


def test_a_missing_manifest_and_receipt_are_written_again(order, firestore_db):
    pay_free(order, "solo", "basic")
    session = wait_for_status(order, "complete")
    delete_blob(manifest_path(session.order_id))
    delete_blob(receipt_path(session.order_id))
    age_order(firestore_db, session.session_key)

    assert reconcile(order)["repairs"] == {"manifest_missing": 1, "receipt_missing": 1}
    assert blob_exists(manifest_path(session.order_id))
    receipt = order.gateway.get(f"/api/v1/tesla/report/{order.session_id}/receipt")
    assert receipt.status_code == 200 and receipt.data.startswith(b"%PDF")
    _nothing_to_repair(order)


def test_a_complete_order_without_its_delivery_record_gets_it(order, firestore_db):
    pay_free(order, "solo", "basic")
    session = wait_for_status(order, "complete")
    wait_for_blob(f"{session.order_id}/delivery.json")
    delete_blob(f"{session.order_id}/delivery.json")
    age_order(firestore_db, session.session_key)

    assert reconcile(order)["repairs"] == {"delivery_record_missing": 1}
    assert blob_exists(f"{session.order_id}/delivery.json")
    _nothing_to_repair(order)


def test_an_order_whose_cars_all_ended_but_never_completed_is_completed(order, firestore_db):
    pay_free(order, "solo", "basic")
    session = wait_for_status(order, "complete")
    wait_for_blob(f"{session.order_id}/delivery.json")
    key = session.session_key
    # The last worker wrote its car and died before completing the order.
    firestore_db.collection(get_settings().sessions_collection).document(key).update(
        {"status": "generating"}
    )
    delete_blob(f"{session.order_id}/delivery.json")
    age_order(firestore_db, key)
    (vehicle_id,) = session.selected_vehicle_ids
    set_car(firestore_db, key, vehicle_id, updated_at=ago(600))

    assert reconcile(order)["repairs"] == {"completion_missing": 1}
    assert session_of(order).status == SessionStatus.COMPLETE
    assert blob_exists(f"{session.order_id}/delivery.json")
    _nothing_to_repair(order)
