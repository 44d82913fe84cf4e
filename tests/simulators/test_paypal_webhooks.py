"""PayPal simulator webhooks over HTTP: delivery with PayPal's headers, signature verification
(postback and offline), REST registration, resend, admin replay and retries."""

from __future__ import annotations

import base64
import copy
import zlib
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from tests.fixtures.paypal_sim import PayPalSimulator, ReceivedWebhook, WebhookReceiver

TRANSMISSION_HEADERS = (
    "Paypal-Transmission-Id",
    "Paypal-Transmission-Time",
    "Paypal-Transmission-Sig",
    "Paypal-Cert-Url",
    "Paypal-Auth-Algo",
)


def _paid_order(
    paypal: PayPalSimulator, receiver: WebhookReceiver
) -> tuple[str, list[ReceivedWebhook]]:
    paypal.add_webhook_url(receiver.url)
    order_id = paypal.approved_order(custom_id="cpt-77")
    assert paypal.capture(order_id).status_code == 201
    return order_id, receiver.wait_for(2)


def _verify(paypal: PayPalSimulator, received: ReceivedWebhook, **overrides: Any) -> str:
    headers = received.headers
    claim = {
        "auth_algo": headers["Paypal-Auth-Algo"],
        "cert_url": headers["Paypal-Cert-Url"],
        "transmission_id": headers["Paypal-Transmission-Id"],
        "transmission_sig": headers["Paypal-Transmission-Sig"],
        "transmission_time": headers["Paypal-Transmission-Time"],
        "webhook_id": "WH-LOCAL",
        "webhook_event": received.body,
        **overrides,
    }
    response = paypal.call("POST", "/v1/notifications/verify-webhook-signature", json=claim)
    assert response.status_code == 200, response.text
    return str(response.json()["verification_status"])


def test_approval_and_capture_are_delivered(
    paypal: PayPalSimulator, webhook_receiver: WebhookReceiver
) -> None:
    order_id, received = _paid_order(paypal, webhook_receiver)

    assert [r.body["event_type"] for r in received] == [
        "CHECKOUT.ORDER.APPROVED",
        "PAYMENT.CAPTURE.COMPLETED",
    ]
    approved, completed = received
    assert approved.body["resource_type"] == "checkout-order"
    assert approved.body["resource"]["id"] == order_id
    assert approved.body["resource"]["status"] == "APPROVED"

    event = completed.body
    assert list(event)[:8] == [
        "id",
        "event_version",
        "create_time",
        "resource_type",
        "resource_version",
        "event_type",
        "summary",
        "resource",
    ]
    assert event["id"].startswith("WH-") and event["event_version"] == "1.0"
    assert event["resource_type"] == "capture"
    assert event["summary"] == "Payment completed for € 29.99 EUR"
    resource = event["resource"]
    assert resource["status"] == "COMPLETED" and resource["custom_id"] == "cpt-77"
    assert resource["amount"] == {"currency_code": "EUR", "value": "29.99"}
    assert resource["supplementary_data"]["related_ids"]["order_id"] == order_id
    assert {link["rel"] for link in resource["links"]} == {"self", "refund", "up"}
    assert {link["rel"] for link in event["links"]} == {"self", "resend"}

    for header in TRANSMISSION_HEADERS:
        assert completed.headers[header], header
    assert completed.headers["Paypal-Auth-Algo"] == "SHA256withRSA"
    assert completed.headers["Paypal-Cert-Url"].startswith(f"{paypal.url}/v1/notifications/certs/")
    assert completed.path == "/api/v1/payments/paypal/webhook"

    deliveries = paypal.wait_for_deliveries(2)
    assert [d["status_code"] for d in deliveries] == [200, 200]
    assert {d["webhook_id"] for d in deliveries} == {"WH-LOCAL"}


def test_verify_signature_success_and_failures(
    paypal: PayPalSimulator, webhook_receiver: WebhookReceiver
) -> None:
    _, received = _paid_order(paypal, webhook_receiver)
    genuine = received[1]
    assert _verify(paypal, genuine) == "SUCCESS"

    altered = copy.deepcopy(genuine.body)
    altered["resource"]["amount"]["value"] = "0.01"
    assert _verify(paypal, genuine, webhook_event=altered) == "FAILURE"
    assert _verify(paypal, genuine, webhook_id="WH-OTHER") == "FAILURE"
    assert (
        _verify(paypal, genuine, transmission_id="69cd13f0-d67a-11e5-baa3-778b53f4ae55")
        == "FAILURE"
    )
    forged_sig = base64.b64encode(b"\x00" * 256).decode()
    assert _verify(paypal, genuine, transmission_sig=forged_sig) == "FAILURE"
    assert _verify(paypal, genuine, transmission_time="2020-01-01T00:00:00Z") == "FAILURE"
    # A genuine transmission of another event does not vouch for this body.
    assert _verify(paypal, received[0], webhook_event=genuine.body) == "FAILURE"


def test_verify_requires_every_field_and_a_token(
    paypal: PayPalSimulator, webhook_receiver: WebhookReceiver
) -> None:
    response = paypal.call(
        "POST", "/v1/notifications/verify-webhook-signature", json={"auth_algo": "SHA256withRSA"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["name"] == "VALIDATION_ERROR" and body["details"][0]["field"] == "cert_url"
    bare = paypal.http.post(
        f"{paypal.url}/v1/notifications/verify-webhook-signature", json={}, timeout=10
    )
    assert bare.status_code == 401


def test_signature_verifies_offline_with_the_published_certificate(
    paypal: PayPalSimulator, webhook_receiver: WebhookReceiver
) -> None:
    _, received = _paid_order(paypal, webhook_receiver)
    headers = received[1].headers
    pem = paypal.http.get(headers["Paypal-Cert-Url"], timeout=10).content
    public_key = x509.load_pem_x509_certificate(pem).public_key()
    crc = zlib.crc32(received[1].raw_body)
    message = "|".join(
        (
            headers["Paypal-Transmission-Id"],
            headers["Paypal-Transmission-Time"],
            "WH-LOCAL",
            str(crc),
        )
    )
    public_key.verify(  # type: ignore[union-attr, call-arg]
        base64.b64decode(headers["Paypal-Transmission-Sig"]),
        message.encode(),
        padding.PKCS1v15(),  # type: ignore[arg-type]
        hashes.SHA256(),  # type: ignore[arg-type]
    )


def test_rest_registered_webhook_gets_events(
    paypal: PayPalSimulator, webhook_receiver: WebhookReceiver
) -> None:
    created = paypal.call(
        "POST",
        "/v1/notifications/webhooks",
        json={"url": webhook_receiver.url, "event_types": [{"name": "PAYMENT.CAPTURE.COMPLETED"}]},
    )
    assert created.status_code == 201
    webhook = created.json()
    assert webhook["url"] == webhook_receiver.url
    assert webhook["event_types"][0]["name"] == "PAYMENT.CAPTURE.COMPLETED"
    duplicate = paypal.call(
        "POST",
        "/v1/notifications/webhooks",
        json={"url": webhook_receiver.url, "event_types": [{"name": "*"}]},
    )
    assert duplicate.status_code == 400 and duplicate.json()["name"] == "WEBHOOK_URL_ALREADY_EXISTS"
    listed = paypal.call("GET", "/v1/notifications/webhooks").json()["webhooks"]
    assert {w["id"] for w in listed} == {"WH-LOCAL", webhook["id"]}

    order_id = paypal.approved_order()
    paypal.capture(order_id)
    (received,) = webhook_receiver.wait_for(1)
    assert received.body["event_type"] == "PAYMENT.CAPTURE.COMPLETED", "only subscribed types"
    assert _verify(paypal, received, webhook_id=webhook["id"]) == "SUCCESS"
    assert _verify(paypal, received) == "FAILURE", "signed for the other webhook id"

    assert paypal.call("DELETE", f"/v1/notifications/webhooks/{webhook['id']}").status_code == 204


def test_resend_through_the_rest_api(
    paypal: PayPalSimulator, webhook_receiver: WebhookReceiver
) -> None:
    _, received = _paid_order(paypal, webhook_receiver)
    event_id = received[1].body["id"]

    resent = paypal.call("POST", f"/v1/notifications/webhooks-events/{event_id}/resend", json={})

    assert resent.status_code == 202 and resent.json()["id"] == event_id
    third = webhook_receiver.wait_for(3)[2]
    assert third.body == received[1].body, "same event, same id"
    assert third.headers["Paypal-Transmission-Id"] != received[1].headers["Paypal-Transmission-Id"]
    assert _verify(paypal, third) == "SUCCESS"
    listed = paypal.call(
        "GET", "/v1/notifications/webhooks-events?event_type=PAYMENT.CAPTURE.COMPLETED"
    )
    assert [event["id"] for event in listed.json()["events"]] == [event_id]


def test_admin_replay_to_any_url_and_exact_transmission(
    paypal: PayPalSimulator, webhook_receiver: WebhookReceiver
) -> None:
    paypal.approve(paypal.create_order().json()["id"])
    (event,) = paypal.events(event_type="CHECKOUT.ORDER.APPROVED")
    event_id = event["id"]
    assert paypal.deliveries() == [], "no URL configured yet"

    fresh = paypal.admin(f"events/{event_id}/deliver", {"url": webhook_receiver.url})
    (delivery,) = fresh["deliveries"]
    assert (delivery["status_code"], delivery["trigger"]) == (200, "admin")
    first = webhook_receiver.wait_for(1)[0]
    assert _verify(paypal, first) == "SUCCESS"

    replay = paypal.admin(
        f"events/{event_id}/deliver",
        {"url": webhook_receiver.url, "transmission_id": delivery["transmission_id"]},
    )
    assert replay["deliveries"][0]["trigger"] == "replay"
    second = webhook_receiver.wait_for(2)[1]
    assert second.raw_body == first.raw_body
    assert second.headers["Paypal-Transmission-Sig"] == first.headers["Paypal-Transmission-Sig"]
    assert len(paypal.deliveries(event_id=event_id)) == 2


def test_failed_delivery_is_retried_on_simulated_time(
    paypal: PayPalSimulator, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.status = 500
    paypal.add_webhook_url(webhook_receiver.url)
    paypal.approve(paypal.create_order().json()["id"])
    (failed,) = paypal.wait_for_deliveries(1)
    assert (failed["state"], failed["status_code"]) == ("failed", 500)
    assert failed["next_retry_at"] is not None

    webhook_receiver.status = 200
    paypal.advance(60)
    retries = paypal.wait_for_deliveries(1, trigger="retry")
    assert [(r["attempt"], r["status_code"]) for r in retries] == [(2, 200)]
    bodies = [r.body["id"] for r in webhook_receiver.wait_for(2)]
    assert bodies[0] == bodies[1]


def test_unreachable_url_is_recorded(paypal: PayPalSimulator) -> None:
    paypal.settings(webhook_delivery="inline", webhook_max_retries=0)
    paypal.add_webhook_url("http://127.0.0.1:9/closed")
    paypal.approve(paypal.create_order().json()["id"])
    (delivery,) = paypal.deliveries()
    assert delivery["state"] == "failed" and delivery["status_code"] is None
    assert "ConnectionError" in delivery["error"] and delivery["next_retry_at"] is None


@pytest.mark.parametrize("mode", ["inline", "after_response"])
def test_delivery_modes(
    paypal: PayPalSimulator, webhook_receiver: WebhookReceiver, mode: str
) -> None:
    paypal.settings(webhook_delivery=mode)
    paypal.add_webhook_url(webhook_receiver.url)
    order_id = paypal.approved_order()
    if mode == "inline":
        assert len(webhook_receiver.received) == 1, "delivered before the approval answered"
    paypal.capture(order_id)
    assert len(webhook_receiver.wait_for(2)) == 2
