"""``after_paid`` (manifest, receipt, reports) finishes on every path after a failure.

The failure is real: the reports bucket does not exist while the payment settles, so the
manifest upload fails after the commit that marked the order paid. The buyer's retry of the
same call (create-intent for a free order, capture for PayPal) then finishes the order.
"""

from __future__ import annotations

import pytest

from shared.orders.manifests import read_manifest, receipt_path
from shared.orders.order_state import SessionStatus
from shared.platform.settings import get_settings
from tests.payments.conftest import PAID_OR_LATER


@pytest.fixture
def broken_bucket(monkeypatch):
    """Call to break uploads; call the returned function to mend them."""

    def mend() -> None:
        monkeypatch.undo()
        get_settings.cache_clear()

    def break_uploads():
        monkeypatch.setenv("CPT_REPORTS_BUCKET", "cpt-no-such-bucket")
        get_settings.cache_clear()
        return mend

    yield break_uploads
    mend()


def _finished(order) -> None:
    from shared.delivery import report_store

    session = order.session()
    assert session.status.value in PAID_OR_LATER - {"paid"}
    assert read_manifest(get_settings(), session.order_id) is not None
    assert report_store.blob_exists(get_settings(), receipt_path(session.order_id))


def test_free_order_finishes_on_retry(order, broken_bucket):
    order.ready(voucher="PILOT2026")
    mend = broken_bucket()
    failed = order.create_intent()
    assert failed.status_code >= 500
    assert order.session().status == SessionStatus.PAID
    mend()
    again = order.create_intent()
    assert again.status_code == 409 and again.json["error"]["status"] in PAID_OR_LATER
    _finished(order)


def test_paypal_capture_finishes_on_retry(order, paypal, live_gateway, broken_bucket):
    paypal.settings(webhook_delivery="inline")
    order.ready()
    paypal_id = order.create_intent("paypal").json["paypal"]["order_id"]
    paypal.approve(paypal_id)
    mend = broken_bucket()
    capture = order.gateway.post(
        "/api/v1/payment/paypal/capture", json={"session_id": order.session_id}
    )
    assert capture.status_code >= 500
    assert order.session().status == SessionStatus.PAID
    mend()
    again = order.gateway.post(
        "/api/v1/payment/paypal/capture", json={"session_id": order.session_id}
    )
    assert again.status_code == 200 and again.json["outcome"] == "already_settled"
    _finished(order)
