"""Stripe end to end through localstripe: create-intent, card payment, real signed webhooks."""

from __future__ import annotations

import json
import time

import pytest
import requests
import stripe

from shared.orders.manifests import manifest_path, read_manifest
from shared.orders.order_state import SessionStatus
from shared.orders.records import IssueKind, RefundState
from shared.platform.settings import get_settings
from tests.payments.conftest import PAID_OR_LATER


def _manifest(order):
    return read_manifest(get_settings(), order.session().order_id)


def _written_manifest(order, timeout_s: float = 15.0):
    """The manifest, once the webhook request that marked the order paid has written it (the
    session turns paid first; after_paid writes order.json right after, in the same request)."""
    deadline = time.monotonic() + timeout_s
    while (manifest := _manifest(order)) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    return manifest


def _signed(payload: dict, secret: str | None = None, timestamp: int | None = None):
    body = json.dumps(payload)
    secret = secret or get_settings().stripe_webhook_secret.get_secret_value()
    header = stripe.WebhookSignature._compute_signature(
        f"{timestamp or int(time.time())}.{body}", secret
    )
    return body, f"t={timestamp or int(time.time())},v1={header}"


def _deliver(order, payload: dict, **sign):
    body, signature = _signed(payload, **sign)
    return order.gateway.post(
        "/api/v1/payment/verify",
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": signature},
    )


def _succeeded_event(intent_id: str, event_id: str = "evt_test_1") -> dict:
    return {
        "id": event_id,
        "object": "event",
        "type": "payment_intent.succeeded",
        "data": {"object": {"id": intent_id, "object": "payment_intent"}},
    }


def test_card_payment_marks_the_order_paid_once_with_one_manifest(order):
    order.ready()
    response = order.create_intent()
    assert response.status_code == 200, response.json
    body = response.json
    assert body["status"] == "requires_payment"
    assert (body["amount_cents"], body["currency"]) == (2999, "EUR")
    assert body["stripe"]["client_secret"].startswith(body["stripe"]["payment_intent_id"])
    assert body["stripe"]["publishable_key"] == "pk_test_local"
    intent_id = body["stripe"]["payment_intent_id"]
    order.browser.ledger.add(body["stripe"]["client_secret"])

    assert order.pay_with_card(intent_id)["status"] == "succeeded"
    paid = order.wait_for(
        lambda s: s.status.value in PAID_OR_LATER
    )  # localstripe's real signed webhook
    assert paid.payment is not None
    assert paid.payment.payment_id == intent_id
    assert paid.payment.amount_cents == 2999
    assert paid.expires_at > paid.created_at.replace(year=paid.created_at.year) and (
        (paid.expires_at - paid.paid_at).days >= 13
    )
    manifest = _written_manifest(order)
    assert manifest["order_id"] == paid.order_id
    assert manifest["payment_id"] == intent_id and manifest["payment_method"] == "stripe"
    assert (manifest["amount_cents"], manifest["vat_cents"]) == (2999, 609)
    assert manifest["vehicle_count"] == 2
    assert all(v["vin"].endswith("****") for v in manifest["vehicles"])
    assert order.session_id not in json.dumps(manifest)

    # The same event three more times, signed: nothing changes, still one manifest.
    blob = order_blob(order)
    generation = blob.generation
    for attempt in range(3):
        again = _deliver(order, _succeeded_event(intent_id, f"evt_replay_{attempt % 2}"))
        assert again.status_code == 200
    assert again.json["outcome"] == "duplicate"
    assert order.session().payment == paid.payment
    blob.reload()
    assert blob.generation == generation


def order_blob(order):
    from shared.platform.clients import storage_client

    blob = (
        storage_client()
        .bucket(get_settings().reports_bucket)
        .blob(manifest_path(order.session().order_id))
    )
    blob.reload()
    return blob


def test_double_click_returns_the_same_intent(order):
    order.ready()
    first = order.create_intent().json
    second = order.create_intent().json
    assert first["stripe"]["payment_intent_id"] == second["stripe"]["payment_intent_id"]
    assert first["stripe"]["client_secret"] == second["stripe"]["client_secret"]


def test_changed_quote_cancels_the_old_intent(order):
    order.ready()
    old = order.create_intent().json["stripe"]["payment_intent_id"]
    order.quote("LAUNCH10")
    new = order.create_intent().json
    assert new["stripe"]["payment_intent_id"] != old
    assert new["amount_cents"] == 2699
    status = requests.get(
        f"{order.stripe_api}/v1/payment_intents/{old}", auth=("sk_test_local", ""), timeout=10
    ).json()["status"]
    assert status == "canceled"


def test_zero_total_is_paid_without_a_provider(order):
    order.ready(voucher="PILOT2026")
    response = order.create_intent(language="fi")
    assert response.json == {
        "status": "paid",
        "provider": "voucher",
        "method": "voucher",
        "amount_cents": 0,
        "currency": "EUR",
        "stripe": None,
        "paypal": None,
    }
    session = order.session()
    assert session.status.value in PAID_OR_LATER and session.language == "fi"
    assert session.payment is not None and session.payment.payment_id
    assert session.payment.payment_id.startswith("voucher:")
    redemptions = order.browser.gateway  # noqa: F841 - readability
    from shared.pricing.redemptions import redemptions_used

    assert redemptions_used(get_settings(), "PILOT2026") == 1
    assert _written_manifest(order)["voucher"]["code"] == "PILOT2026"
    # Asking again is a 409 naming the status, and counts nothing twice.
    again = order.create_intent()
    assert again.status_code == 409 and again.json["error"]["status"] in PAID_OR_LATER
    assert redemptions_used(get_settings(), "PILOT2026") == 1


def test_forged_and_stale_signatures_are_400(order):
    order.ready()
    intent_id = order.create_intent().json["stripe"]["payment_intent_id"]
    forged = _deliver(order, _succeeded_event(intent_id), secret="whsec_wrong")
    assert forged.status_code == 400 and forged.json["error"]["code"] == "invalid_signature"
    stale = _deliver(order, _succeeded_event(intent_id), timestamp=int(time.time()) - 301)
    assert stale.status_code == 400
    garbage = order.gateway.post(
        "/api/v1/payment/verify", data=b"\xff{", headers={"Stripe-Signature": "t=1,v1=x"}
    )
    assert garbage.status_code == 400
    missing = order.gateway.post("/api/v1/payment/verify", data=b"{}")
    assert missing.status_code == 400
    assert order.session().status == SessionStatus.VEHICLES_SELECTED


def test_event_before_payment_does_not_mark_paid(order):
    """An out-of-order or fake 'succeeded' event: the intent is re-read and is not succeeded."""
    order.ready()
    intent_id = order.create_intent().json["stripe"]["payment_intent_id"]
    response = _deliver(order, _succeeded_event(intent_id, "evt_early"))
    assert response.status_code == 200
    assert response.json["outcome"].startswith("not_succeeded")
    assert order.session().status == SessionStatus.VEHICLES_SELECTED
    assert _manifest(order) is None


def test_amount_different_from_the_quote_is_recorded_not_paid(order):
    order.ready()
    order.create_intent()
    # An intent for this order with another amount (made outside our create-intent).
    rogue = requests.post(
        f"{order.stripe_api}/v1/payment_intents",
        data={
            "amount": 100,
            "currency": "eur",
            "payment_method": "pm_card_visa",
            "confirm": "true",
            "metadata[order_id]": order.session().order_id,
            "metadata[selection_version]": str(order.session().selection_version),
        },
        auth=("sk_test_local", ""),
        timeout=10,
    ).json()
    assert rogue["status"] == "succeeded"
    session = order.wait_for(lambda s: s.payment_issues)
    assert session.status == SessionStatus.VEHICLES_SELECTED
    (issue,) = session.payment_issues
    assert issue.kind in (IssueKind.AMOUNT_MISMATCH, IssueKind.SUPERSEDED)
    assert _manifest(order) is None


def test_event_for_an_unknown_order_is_acknowledged_and_recorded(order, firestore_db):
    rogue = requests.post(
        f"{order.stripe_api}/v1/payment_intents",
        data={
            "amount": 999,
            "currency": "eur",
            "metadata[order_id]": "ord_000000000000000000000000",
        },
        auth=("sk_test_local", ""),
        timeout=10,
    ).json()
    requests.post(
        f"{order.stripe_api}/v1/payment_intents/{rogue['id']}",
        data={"payment_method": "pm_card_visa"},
        auth=("sk_test_local", ""),
        timeout=10,
    )
    response = _deliver(order, _succeeded_event(rogue["id"], "evt_unknown"))
    assert response.status_code == 200
    assert response.json["outcome"] == "not_succeeded:requires_confirmation"
    requests.post(
        f"{order.stripe_api}/v1/payment_intents/{rogue['id']}/confirm",
        auth=("sk_test_local", ""),
        timeout=10,
    )
    settled = _deliver(order, _succeeded_event(rogue["id"], "evt_unknown_2"))
    assert settled.json["outcome"] == "unknown_order"
    orphans = [d.to_dict() for d in firestore_db.collection("payment_events").stream()]
    assert any(d.get("kind") == "orphan_payment" for d in orphans)


def test_reselection_cancels_the_pending_intent(order):
    order.ready()
    intent_id = order.create_intent().json["stripe"]["payment_intent_id"]
    order.select([order.cars()[0]["id"]], "basic")
    status = requests.get(
        f"{order.stripe_api}/v1/payment_intents/{intent_id}", auth=("sk_test_local", ""), timeout=10
    ).json()["status"]
    assert status == "canceled"


def test_selection_changed_while_the_payment_is_in_flight_is_refunded_not_applied(order):
    """The card is charged, then the buyer changes the selection before Stripe's webhook
    arrives (localstripe sends it about a second later): the payment is never applied to the
    new selection; it is refunded and recorded for support."""
    order.ready()
    intent_id = order.create_intent().json["stripe"]["payment_intent_id"]
    assert order.pay_with_card(intent_id)["status"] == "succeeded"
    order.select([order.cars()[0]["id"]], "basic")
    # The issue is recorded in the settling transaction; the refund follows right after it.
    session = order.wait_for(
        lambda s: (
            s.status.value in PAID_OR_LATER
            or (s.payment_issues and s.payment_issues[0].refund_state == RefundState.REFUNDED)
        )
    )
    assert session.status == SessionStatus.VEHICLES_SELECTED
    (issue,) = session.payment_issues
    assert issue.kind == IssueKind.SUPERSEDED
    assert issue.refund_id is not None and issue.refund_id.startswith("re_")
    refunds = requests.get(
        f"{order.stripe_api}/v1/refunds", auth=("sk_test_local", ""), timeout=10
    ).json()["data"]
    assert any(r["payment_intent"] == intent_id for r in refunds)
    assert _manifest(order) is None


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"method": "bitcoin"}, 422, "method"),
        ({"method": "stripe", "amount": 1}, 422, "amount"),
        ({"method": "stripe", "language": "xx"}, 422, "language"),
    ],
)
def test_create_intent_bad_bodies(order, body, status, field):
    order.ready()
    response = order.gateway.post(
        "/api/v1/payment/create-intent", json={"session_id": order.session_id, **body}
    )
    assert response.status_code == status
    assert response.json["error"]["field"] == field


def test_create_intent_wrong_state_and_expired(order):
    from datetime import UTC, datetime, timedelta

    from shared.orders import sessions

    order.session_id = order.browser.connect("solo").session_id
    refused = order.create_intent()
    assert refused.status_code == 409 and refused.json["error"]["status"] == "connected"
    sessions.update_session(
        get_settings(),
        order.session_id,
        lambda s: s.model_copy(update={"expires_at": datetime.now(UTC) - timedelta(seconds=1)}),
    )
    assert order.create_intent().status_code == 410
    unknown = order.gateway.post(
        "/api/v1/payment/create-intent", json={"session_id": "C" * 43, "method": "stripe"}
    )
    assert unknown.status_code == 404
