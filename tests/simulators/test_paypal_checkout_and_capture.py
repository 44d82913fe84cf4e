"""PayPal simulator over HTTP: buyer approval (page and headless), capture and its failures."""

from __future__ import annotations

from decimal import Decimal

import requests

from tests.fixtures.paypal_sim import CANCEL_URL, RETURN_URL, PayPalSimulator, query_of


def _issue(response: requests.Response) -> str:
    return str(response.json()["details"][0]["issue"])


# --- approval -----------------------------------------------------------------------------------


def test_approve_on_the_checkout_page(paypal: PayPalSimulator) -> None:
    order_id = paypal.create_order().json()["id"]

    page = paypal.http.get(f"{paypal.url}/checkoutnow", params={"token": order_id}, timeout=10)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert "29.99 EUR" in page.text and 'value="approve"' in page.text

    submitted = paypal.http.post(
        f"{paypal.url}/checkoutnow",
        params={"token": order_id},
        data={"decision": "approve"},
        allow_redirects=False,
        timeout=10,
    )
    assert submitted.status_code == 302
    location = submitted.headers["Location"]
    assert location.startswith(RETURN_URL + "?")
    assert query_of(location) == {"token": order_id, "PayerID": "CPTLOCALBUYER"}

    order = paypal.call("GET", f"/v2/checkout/orders/{order_id}").json()
    assert order["status"] == "APPROVED"
    assert order["payer"]["payer_id"] == "CPTLOCALBUYER"
    assert order["payment_source"]["paypal"]["account_status"] == "VERIFIED"
    assert {link["rel"] for link in order["links"]} == {"self", "update", "capture"}


def test_cancel_on_the_checkout_page_leaves_order_unapproved(paypal: PayPalSimulator) -> None:
    order_id = paypal.create_order().json()["id"]
    submitted = paypal.http.post(
        f"{paypal.url}/checkoutnow?token={order_id}",
        data={"decision": "cancel"},
        allow_redirects=False,
        timeout=10,
    )
    assert submitted.headers["Location"] == f"{CANCEL_URL}?token={order_id}"
    assert paypal.call("GET", f"/v2/checkout/orders/{order_id}").json()["status"] == "CREATED"


def test_page_for_unknown_or_approved_order(paypal: PayPalSimulator) -> None:
    assert paypal.http.get(f"{paypal.url}/checkoutnow?token=NOPE", timeout=10).status_code == 404
    order_id = paypal.approved_order()
    page = paypal.http.get(f"{paypal.url}/checkoutnow?token={order_id}", timeout=10)
    assert page.status_code == 409


def test_headless_approve_and_cancel(paypal: PayPalSimulator) -> None:
    order_id = paypal.create_order(payment_source=True).json()["id"]
    cancelled = paypal.cancel(order_id)
    assert cancelled["redirect_url"] == f"{CANCEL_URL}?token={order_id}"
    assert cancelled["order"]["status"] == "PAYER_ACTION_REQUIRED"

    approved = paypal.approve(order_id)
    assert approved["order"]["status"] == "APPROVED"
    assert query_of(approved["redirect_url"])["PayerID"] == "CPTLOCALBUYER"
    again = paypal.http.post(f"{paypal.url}/admin/orders/{order_id}/approve", json={}, timeout=10)
    assert again.status_code == 409


# --- capture ------------------------------------------------------------------------------------


def test_capture_completes_with_the_capture(paypal: PayPalSimulator) -> None:
    order_id = paypal.approved_order("29.99", custom_id="cpt-7", invoice_id="CPT-INV-7")

    response = paypal.capture(order_id, request_id=f"paypal-capture:{order_id}")

    assert response.status_code == 201
    body = response.json()
    assert (body["id"], body["status"]) == (order_id, "COMPLETED")
    capture = body["purchase_units"][0]["payments"]["captures"][0]
    assert capture["status"] == "COMPLETED"
    assert capture["amount"] == {"currency_code": "EUR", "value": "29.99"}
    assert (capture["custom_id"], capture["invoice_id"]) == ("cpt-7", "CPT-INV-7")
    assert capture["final_capture"] is True and capture["create_time"].endswith("Z")
    breakdown = capture["seller_receivable_breakdown"]
    gross, fee, net = (
        Decimal(breakdown[key]["value"]) for key in ("gross_amount", "paypal_fee", "net_amount")
    )
    assert gross == fee + net and fee > 0

    shown = paypal.call("GET", f"/v2/checkout/orders/{order_id}").json()
    assert shown["status"] == "COMPLETED"
    assert shown["purchase_units"][0]["payments"]["captures"][0]["id"] == capture["id"]
    by_id = paypal.call("GET", f"/v2/payments/captures/{capture['id']}").json()
    assert by_id["supplementary_data"]["related_ids"]["order_id"] == order_id


def test_capture_unapproved_order(paypal: PayPalSimulator) -> None:
    order_id = paypal.create_order().json()["id"]
    response = paypal.capture(order_id)
    assert response.status_code == 422
    assert response.json()["name"] == "UNPROCESSABLE_ENTITY"
    assert _issue(response) == "ORDER_NOT_APPROVED"


def test_capture_twice(paypal: PayPalSimulator) -> None:
    order_id = paypal.approved_order()
    assert paypal.capture(order_id).status_code == 201
    second = paypal.capture(order_id)
    assert second.status_code == 422 and _issue(second) == "ORDER_ALREADY_CAPTURED"


def test_capture_retry_with_same_request_id_is_idempotent(paypal: PayPalSimulator) -> None:
    order_id = paypal.approved_order()
    request_id = f"paypal-capture:{order_id}"
    first = paypal.capture(order_id, request_id=request_id)
    retry = paypal.capture(order_id, request_id=request_id)

    assert (first.status_code, retry.status_code) == (201, 200)
    captures = [
        r.json()["purchase_units"][0]["payments"]["captures"][0]["id"] for r in (first, retry)
    ]
    assert captures[0] == captures[1]
    assert len(paypal.events(event_type="PAYMENT.CAPTURE.COMPLETED")) == 1


def test_instrument_declined_then_buyer_retries(paypal: PayPalSimulator) -> None:
    order_id = paypal.approved_order()
    paypal.capture_outcome("instrument_declined", order_id=order_id)

    declined = paypal.capture(order_id)

    assert declined.status_code == 422 and _issue(declined) == "INSTRUMENT_DECLINED"
    redirect = {link["rel"]: link["href"] for link in declined.json()["links"]}["redirect"]
    assert redirect == f"{paypal.url}/checkoutnow?token={order_id}"
    assert paypal.call("GET", f"/v2/checkout/orders/{order_id}").json()["status"] == "CREATED"
    assert paypal.capture(order_id).status_code == 422, "needs approval again"

    paypal.approve(order_id)
    assert paypal.capture(order_id).status_code == 201


def test_decline_every_capture(paypal: PayPalSimulator) -> None:
    paypal.capture_outcome("instrument_declined", always=True)
    for _ in range(2):
        response = paypal.capture(paypal.approved_order())
        assert _issue(response) == "INSTRUMENT_DECLINED"
    paypal.admin("capture-outcomes", method="DELETE")
    assert paypal.capture(paypal.approved_order()).status_code == 201


def test_checkout_page_can_arm_a_decline(paypal: PayPalSimulator) -> None:
    order_id = paypal.create_order().json()["id"]
    paypal.http.post(
        f"{paypal.url}/checkoutnow?token={order_id}",
        data={"decision": "approve", "decline_capture": "1"},
        allow_redirects=False,
        timeout=10,
    )
    assert _issue(paypal.capture(order_id)) == "INSTRUMENT_DECLINED"


def test_declined_capture_in_a_completed_order(paypal: PayPalSimulator) -> None:
    """Order COMPLETED is not paid: the capture itself can be DECLINED."""
    order_id = paypal.approved_order()
    paypal.capture_outcome("declined")
    response = paypal.capture(order_id)
    assert response.status_code == 201 and response.json()["status"] == "COMPLETED"
    capture = response.json()["purchase_units"][0]["payments"]["captures"][0]
    assert capture["status"] == "DECLINED"
    assert [e["event_type"] for e in paypal.events(order_id=order_id)] == [
        "CHECKOUT.ORDER.APPROVED",
        "PAYMENT.CAPTURE.DENIED",
    ]


def test_pending_capture_then_completed_or_denied(paypal: PayPalSimulator) -> None:
    paypal.capture_outcome("pending", count=2)
    first = paypal.capture(paypal.approved_order()).json()
    capture = first["purchase_units"][0]["payments"]["captures"][0]
    assert capture["status"] == "PENDING"
    assert capture["status_details"] == {"reason": "PENDING_REVIEW"}
    assert paypal.admin(f"captures/{capture['id']}/complete", {})["status"] == "COMPLETED"

    second = paypal.capture(paypal.approved_order()).json()
    other = second["purchase_units"][0]["payments"]["captures"][0]["id"]
    assert paypal.admin(f"captures/{other}/deny", {})["status"] == "DECLINED"
    types = [event["event_type"] for event in reversed(paypal.events())]
    assert types.count("PAYMENT.CAPTURE.PENDING") == 2
    assert "PAYMENT.CAPTURE.COMPLETED" in types and "PAYMENT.CAPTURE.DENIED" in types


def test_duplicate_invoice_id_is_blocked(paypal: PayPalSimulator) -> None:
    first = paypal.approved_order(invoice_id="CPT-INV-1")
    second = paypal.approved_order(invoice_id="CPT-INV-1")
    assert paypal.capture(first).status_code == 201
    blocked = paypal.capture(second)
    assert blocked.status_code == 422 and _issue(blocked) == "DUPLICATE_INVOICE_ID"


def test_uncaptured_approval_is_reversed_and_voided(paypal: PayPalSimulator) -> None:
    approved = paypal.approved_order()
    unapproved = paypal.create_order().json()["id"]
    paypal.advance(3 * 3600)

    for order_id in (approved, unapproved):
        order = paypal.call("GET", f"/v2/checkout/orders/{order_id}").json()
        assert order["status"] == "VOIDED"
    assert _issue(paypal.capture(approved)) == "ORDER_EXPIRED"
    reversed_events = paypal.events(event_type="CHECKOUT.PAYMENT-APPROVAL.REVERSED")
    assert [event["resource"]["id"] for event in reversed_events] == [approved]
