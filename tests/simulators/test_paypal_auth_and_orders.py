"""PayPal simulator over HTTP: OAuth tokens, creating and reading orders, idempotency, checks."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.fixtures.paypal_sim import RETURN_URL, PayPalSimulator, order_body

NINE_HOURS = 32_400


def _token_response(
    paypal: PayPalSimulator, auth: tuple[str, str], **form: str
) -> requests.Response:
    data = form or {"grant_type": "client_credentials"}
    return paypal.http.post(f"{paypal.url}/v1/oauth2/token", auth=auth, data=data, timeout=10)


def _detail(response: requests.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) >= {"name", "message", "debug_id", "details", "links"}, body
    assert response.headers["Paypal-Debug-Id"] == body["debug_id"]
    return dict(body["details"][0])


# --- OAuth --------------------------------------------------------------------------------------


def test_client_credentials_token(paypal: PayPalSimulator) -> None:
    response = _token_response(paypal, ("cpt-local-paypal", "cpt-local-paypal-secret"))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "app_id", "scope", "nonce"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == pytest.approx(NINE_HOURS, abs=2)
    assert body["app_id"].startswith("APP-")


def test_wrong_credentials_and_grant(paypal: PayPalSimulator) -> None:
    wrong = _token_response(paypal, ("cpt-local-paypal", "nope"))
    assert wrong.status_code == 401
    assert wrong.json() == {
        "error": "invalid_client",
        "error_description": "Client Authentication failed",
    }
    no_grant = _token_response(paypal, ("cpt-local-paypal", "cpt-local-paypal-secret"), x="1")
    assert no_grant.status_code == 400 and no_grant.json()["error"] == "unsupported_grant_type"


def test_token_is_reused_until_it_expires(paypal: PayPalSimulator) -> None:
    first = paypal.token()
    paypal.advance(3600)
    again = _token_response(paypal, ("cpt-local-paypal", "cpt-local-paypal-secret")).json()
    assert again["access_token"] == first
    assert again["expires_in"] == pytest.approx(NINE_HOURS - 3600, abs=2)

    paypal.advance(NINE_HOURS)
    expired = paypal.call("GET", "/v2/checkout/orders/XYZ", token=first)
    assert expired.status_code == 401 and expired.json()["error"] == "invalid_token"
    assert paypal.token() != first


def test_missing_or_unknown_bearer(paypal: PayPalSimulator) -> None:
    bare = paypal.http.post(f"{paypal.url}/v2/checkout/orders", json=order_body(), timeout=10)
    assert bare.status_code == 401 and bare.json()["name"] == "AUTHENTICATION_FAILURE"
    forged = paypal.create_order(token="A21AAforged")
    assert forged.status_code == 401 and forged.json()["error"] == "invalid_token"


# --- create and show ----------------------------------------------------------------------------


def test_create_order_minimal_response(paypal: PayPalSimulator) -> None:
    response = paypal.create_order("29.99", custom_id="cpt-42", invoice_id="CPT-INV-42")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "status", "links"}
    assert len(body["id"]) == 17 and body["status"] == "CREATED"
    links = {link["rel"]: link for link in body["links"]}
    assert links["approve"]["href"] == f"{paypal.url}/checkoutnow?token={body['id']}"
    assert links["self"]["href"] == f"{paypal.url}/v2/checkout/orders/{body['id']}"
    assert links["capture"]["method"] == "POST"

    shown = paypal.call("GET", f"/v2/checkout/orders/{body['id']}").json()
    assert shown["intent"] == "CAPTURE" and shown["status"] == "CREATED"
    unit = shown["purchase_units"][0]
    assert unit["amount"] == {"currency_code": "EUR", "value": "29.99"}
    assert (unit["custom_id"], unit["invoice_id"]) == ("cpt-42", "CPT-INV-42")
    assert unit["payee"]["merchant_id"] == "CPTLOCALMERCH"
    assert shown["create_time"].endswith("Z")


def test_payment_source_order_needs_payer_action(paypal: PayPalSimulator) -> None:
    response = paypal.create_order(payment_source=True)

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "PAYER_ACTION_REQUIRED"
    assert body["payment_source"] == {"paypal": {}}
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert "approve" not in rels
    assert rels["payer-action"] == f"{paypal.url}/checkoutnow?token={body['id']}"


def test_prefer_representation_returns_full_order(paypal: PayPalSimulator) -> None:
    response = paypal.call(
        "POST",
        "/v2/checkout/orders",
        json=order_body(),
        headers={"Prefer": "return=representation"},
    )
    assert response.status_code == 201
    assert response.json()["purchase_units"][0]["reference_id"] == "cpt-order-1"


def test_unknown_order_is_404(paypal: PayPalSimulator) -> None:
    response = paypal.call("GET", "/v2/checkout/orders/0000000000000000X")
    assert response.status_code == 404
    assert response.json()["name"] == "RESOURCE_NOT_FOUND"
    assert _detail(response)["issue"] == "INVALID_RESOURCE_ID"


# --- idempotency --------------------------------------------------------------------------------


def test_request_id_replays_the_same_order(paypal: PayPalSimulator) -> None:
    token = paypal.token()
    first = paypal.create_order(request_id="paypal-create:o1:1", token=token)
    again = paypal.create_order(request_id="paypal-create:o1:1", token=token)
    other = paypal.create_order(request_id="paypal-create:o1:2", token=token)
    without = [paypal.create_order(token=token).json()["id"] for _ in range(2)]

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert other.json()["id"] != first.json()["id"]
    assert without[0] != without[1], "no PayPal-Request-Id: every request creates an order"
    assert len(paypal.admin("orders")["orders"]) == 4


def test_request_id_with_another_body(paypal: PayPalSimulator) -> None:
    first = paypal.create_order("10.00", request_id="rid-1").json()["id"]
    # PayPal's documented behaviour: the earlier result comes back.
    assert paypal.create_order("20.00", request_id="rid-1").json()["id"] == first

    paypal.settings(idempotency_mismatch="error")
    strict = paypal.create_order("20.00", request_id="rid-1")
    assert strict.status_code == 422
    assert _detail(strict)["issue"] == "PAYPAL_REQUEST_ID_PREVIOUSLY_USED"


def test_request_id_is_forgotten_after_six_hours(paypal: PayPalSimulator) -> None:
    first = paypal.create_order(request_id="rid-6h").json()["id"]
    paypal.advance(6 * 3600)
    later = paypal.create_order(request_id="rid-6h")
    assert later.status_code == 201 and later.json()["id"] != first


# --- validation ---------------------------------------------------------------------------------

AMOUNT_FIELD = "/purchase_units/@reference_id=='cpt-order-1'/amount/value"


@pytest.mark.parametrize(
    ("value", "status", "issue"),
    [
        ("29.999", 422, "DECIMAL_PRECISION"),
        ("29.9", 422, "DECIMAL_PRECISION"),  # strict_amount_format (our choice)
        ("0.00", 422, "CANNOT_BE_ZERO_OR_NEGATIVE"),
        ("-5.00", 422, "CANNOT_BE_ZERO_OR_NEGATIVE"),
        ("12,50", 400, "INVALID_PARAMETER_SYNTAX"),
        (29.99, 400, "INVALID_PARAMETER_SYNTAX"),
    ],
)
def test_amount_validation(paypal: PayPalSimulator, value: Any, status: int, issue: str) -> None:
    response = paypal.create_order(value)

    assert response.status_code == status
    assert response.json()["name"] == (
        "UNPROCESSABLE_ENTITY" if status == 422 else "INVALID_REQUEST"
    )
    detail = _detail(response)
    assert (detail["field"], detail["issue"], detail["location"]) == (AMOUNT_FIELD, issue, "body")
    assert detail["description"]


def test_lenient_amount_format_like_paypal(paypal: PayPalSimulator) -> None:
    paypal.settings(strict_amount_format=False)
    assert paypal.create_order("29.9").status_code == 201
    assert paypal.create_order("30").status_code == 201
    assert paypal.create_order("29.999").status_code == 422


def test_schema_errors(paypal: PayPalSimulator) -> None:
    body = order_body()
    del body["purchase_units"][0]["amount"]["currency_code"]
    missing = paypal.call("POST", "/v2/checkout/orders", json=body)
    assert missing.status_code == 400
    assert _detail(missing)["issue"] == "MISSING_REQUIRED_PARAMETER"

    unsupported = paypal.create_order(currency="XYZ")
    assert unsupported.status_code == 422
    assert _detail(unsupported)["issue"] == "CURRENCY_NOT_SUPPORTED"

    no_intent = paypal.call("POST", "/v2/checkout/orders", json={"purchase_units": []})
    assert no_intent.status_code == 400 and _detail(no_intent)["field"] == "/intent"

    malformed = paypal.http.post(
        f"{paypal.url}/v2/checkout/orders",
        data="{not json",
        headers={"Authorization": f"Bearer {paypal.token()}", "Content-Type": "application/json"},
        timeout=10,
    )
    assert malformed.status_code == 400
    assert _detail(malformed)["issue"] == "MALFORMED_REQUEST_JSON"


def test_breakdown_and_items_must_add_up(paypal: PayPalSimulator) -> None:
    item = {
        "name": "Pro report",
        "quantity": "2",
        "unit_amount": {"currency_code": "EUR", "value": "14.99"},
    }
    good = {
        "currency_code": "EUR",
        "value": "29.98",
        "breakdown": {"item_total": {"currency_code": "EUR", "value": "29.98"}},
    }
    no_item_total = paypal.call("POST", "/v2/checkout/orders", json=order_body(items=[item]))
    assert no_item_total.status_code == 422
    assert _detail(no_item_total)["issue"] == "ITEM_TOTAL_REQUIRED"

    body = order_body(items=[item])
    body["purchase_units"][0]["amount"] = good
    assert paypal.call("POST", "/v2/checkout/orders", json=body).status_code == 201

    body["purchase_units"][0]["amount"] = dict(good, value="30.00")
    mismatch = paypal.call("POST", "/v2/checkout/orders", json=body)
    assert mismatch.status_code == 422 and _detail(mismatch)["issue"] == "AMOUNT_MISMATCH"


def test_redirect_urls_must_be_urls(paypal: PayPalSimulator) -> None:
    body = order_body()
    body["application_context"]["return_url"] = "not a url"
    response = paypal.call("POST", "/v2/checkout/orders", json=body)
    assert response.status_code == 400
    assert _detail(response)["field"] == "/application_context/return_url"
    assert RETURN_URL.startswith("http://")
