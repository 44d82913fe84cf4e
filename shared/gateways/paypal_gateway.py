"""PayPal REST (Orders v2, intent CAPTURE) and webhook verification, over plain HTTP.

An OAuth client-credentials token is fetched once and reused until shortly before it expires.
Amounts go to PayPal as strings with two decimals and come back as strings: they are converted
from and to integer cents exactly, never through floats.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any
from urllib.parse import urlencode

import requests

from shared.platform.errors import UpstreamUnavailable
from shared.platform.settings import Settings

TIMEOUT_S = 15


@dataclass
class _AccessToken:
    """The instance's PayPal token; an empty value means "fetch one"."""

    value: str = ""
    expires_at: float = 0.0  # time.monotonic() seconds


_token_lock = threading.Lock()
_token = _AccessToken()


@dataclass(frozen=True)
class PayPalOrder:
    id: str
    status: str
    approve_url: str | None


@dataclass(frozen=True)
class PayPalCapture:
    """A capture as PayPal reports it (from a capture call or a webhook's resource)."""

    id: str
    status: str  # COMPLETED | PENDING | DECLINED | ...
    amount_cents: int
    currency: str
    custom_id: str | None
    invoice_id: str | None
    order_id: str | None


@dataclass(frozen=True)
class PayPalRefund:
    id: str
    status: str  # COMPLETED | PENDING | FAILED | CANCELLED


class CaptureDeclined(Exception):
    """The buyer's funding source was declined; they must approve again (or pay otherwise)."""


@cache
def _http() -> requests.Session:
    return requests.Session()


def cents_to_value(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


def value_to_cents(value: str) -> int:
    return int((Decimal(value) * 100).to_integral_value())


def _access_token(settings: Settings) -> str:
    with _token_lock:
        if _token.value and _token.expires_at > time.monotonic() + 60:
            return _token.value
        try:
            response = _http().post(
                f"{settings.paypal_api_base}/v1/oauth2/token",
                data={"grant_type": "client_credentials"},
                auth=(settings.paypal_client_id, settings.paypal_client_secret.get_secret_value()),
                timeout=TIMEOUT_S,
            )
        except requests.RequestException:
            raise UpstreamUnavailable("PayPal is not reachable.") from None
        if response.status_code != 200:
            raise UpstreamUnavailable(
                "PayPal refused our credentials.", provider_status=response.status_code
            )
        body = response.json()
        _token.value = str(body["access_token"])
        _token.expires_at = time.monotonic() + int(body["expires_in"])
        return _token.value


def _call(
    settings: Settings,
    method: str,
    path: str,
    *,
    json: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> requests.Response:
    for attempt in range(2):
        headers = {
            "Authorization": f"Bearer {_access_token(settings)}",
            "Content-Type": "application/json",
        }
        if request_id:
            headers["PayPal-Request-Id"] = request_id  # PayPal's idempotency key
        try:
            response = _http().request(
                method,
                f"{settings.paypal_api_base}{path}",
                json=json,
                headers=headers,
                timeout=TIMEOUT_S,
            )
        except requests.RequestException:
            raise UpstreamUnavailable("PayPal is not reachable.") from None
        if response.status_code != 401 or attempt:
            break
        with _token_lock:
            _token.value = ""  # expired early or revoked: fetch a new one and try once more
    if response.status_code >= 500:
        raise UpstreamUnavailable("PayPal had an error.", provider_status=response.status_code)
    return response


def create_order(
    settings: Settings,
    *,
    amount_cents: int,
    currency: str,
    order_id: str,
    selection_version: int,
    request_id: str,
) -> PayPalOrder:
    separator = "&" if "?" in settings.wui_url else "?"
    body = {
        "intent": "CAPTURE",
        "purchase_units": [
            {
                "reference_id": order_id,
                "custom_id": order_id,
                # Unique per attempt: PayPal refuses a second capture with the same invoice id.
                "invoice_id": f"{order_id}-{selection_version}-{request_id.rsplit(':', 1)[-1]}",
                "amount": {"currency_code": currency, "value": cents_to_value(amount_cents)},
            }
        ],
        "application_context": {
            "return_url": f"{settings.wui_url}{separator}{urlencode({'paypal': 'return'})}",
            "cancel_url": f"{settings.wui_url}{separator}{urlencode({'paypal': 'cancel'})}",
            "user_action": "PAY_NOW",
            "shipping_preference": "NO_SHIPPING",
        },
    }
    response = _call(settings, "POST", "/v2/checkout/orders", json=body, request_id=request_id)
    if response.status_code not in (200, 201):
        raise UpstreamUnavailable("PayPal refused the order.", provider_status=response.status_code)
    data = response.json()
    approve = next(
        (
            link["href"]
            for link in data.get("links", [])
            if link.get("rel") in ("approve", "payer-action")
        ),
        None,
    )
    return PayPalOrder(id=data["id"], status=data["status"], approve_url=approve)


def capture_order(settings: Settings, paypal_order_id: str, *, request_id: str) -> PayPalCapture:
    response = _call(
        settings,
        "POST",
        f"/v2/checkout/orders/{paypal_order_id}/capture",
        json={},
        request_id=request_id,
    )
    if response.status_code == 422:
        issue = _first_issue(response)
        if issue == "ORDER_ALREADY_CAPTURED":
            return get_order_capture(settings, paypal_order_id)
        if issue in ("INSTRUMENT_DECLINED", "ORDER_NOT_APPROVED", "PAYER_ACTION_REQUIRED"):
            raise CaptureDeclined(issue)
    if response.status_code not in (200, 201):
        raise UpstreamUnavailable(
            "PayPal refused the capture.", provider_status=response.status_code
        )
    return _capture_of_order(response.json())


def get_order_capture(settings: Settings, paypal_order_id: str) -> PayPalCapture:
    response = _call(settings, "GET", f"/v2/checkout/orders/{paypal_order_id}")
    if response.status_code != 200:
        raise UpstreamUnavailable(
            "PayPal could not read the order.", provider_status=response.status_code
        )
    return _capture_of_order(response.json())


def capture_from_resource(resource: dict[str, Any]) -> PayPalCapture:
    """A capture from a ``PAYMENT.CAPTURE.*`` webhook's resource."""
    amount = resource.get("amount") or {}
    related = (resource.get("supplementary_data") or {}).get("related_ids") or {}
    return PayPalCapture(
        id=str(resource["id"]),
        status=str(resource.get("status")),
        amount_cents=value_to_cents(str(amount.get("value", "0"))),
        currency=str(amount.get("currency_code", "")),
        custom_id=resource.get("custom_id"),
        invoice_id=resource.get("invoice_id"),
        order_id=related.get("order_id"),
    )


def get_capture(settings: Settings, capture_id: str) -> PayPalCapture | None:
    """The capture as PayPal holds it now (None if PayPal knows no such capture)."""
    if not _PAYPAL_ID.fullmatch(capture_id):
        return None
    response = _call(settings, "GET", f"/v2/payments/captures/{capture_id}")
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise UpstreamUnavailable(
            "PayPal could not read the capture.", provider_status=response.status_code
        )
    return capture_from_resource(response.json())


def refund_capture(settings: Settings, capture_id: str, *, request_id: str) -> PayPalRefund:
    """Refund what is left of a capture (an empty body: the full remaining amount). The same
    ``request_id`` again answers the same refund; a capture refunded already answers
    ``already_refunded`` instead of an error."""
    response = _call(
        settings,
        "POST",
        f"/v2/payments/captures/{capture_id}/refund",
        json={},
        request_id=request_id,
    )
    if response.status_code == 422 and _first_issue(response) == "CAPTURE_FULLY_REFUNDED":
        return PayPalRefund(id="already_refunded", status="COMPLETED")
    if response.status_code not in (200, 201):
        raise UpstreamUnavailable(
            "PayPal refused the refund.", provider_status=response.status_code
        )
    body = response.json()
    return PayPalRefund(id=str(body["id"]), status=str(body.get("status")))


# PayPal's ids (orders, captures, refunds) are upper-case letters and digits.
_PAYPAL_ID = re.compile(r"[A-Za-z0-9]{1,64}")
_CAPTURE_LINK = re.compile(r"/v2/payments/captures/([A-Za-z0-9]{1,64})$")


def capture_id_of(resource: dict[str, Any]) -> str | None:
    """The capture a refund (its ``up`` link) or a dispute (``seller_transaction_id``) is about."""
    for link in resource.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "up":
            found = _CAPTURE_LINK.search(str(link.get("href", "")))
            if found:
                return found.group(1)
    disputed = resource.get("disputed_transactions")
    if isinstance(disputed, list) and disputed and isinstance(disputed[0], dict):
        seller_id = disputed[0].get("seller_transaction_id")
        if isinstance(seller_id, str) and _PAYPAL_ID.fullmatch(seller_id):
            return seller_id
    return None


def amount_of(money: object) -> tuple[int, str] | None:
    """PayPal's ``{"currency_code", "value"}`` as (cents, currency), or None."""
    if not isinstance(money, dict) or "value" not in money:
        return None
    try:
        return value_to_cents(str(money["value"])), str(money.get("currency_code", ""))
    except ArithmeticError:
        return None


def verify_webhook(settings: Settings, headers: dict[str, str], event: dict[str, Any]) -> bool:
    """PayPal's verify-webhook-signature API: True only for a genuine, unaltered event."""
    wanted = {
        "auth_algo": "PAYPAL-AUTH-ALGO",
        "cert_url": "PAYPAL-CERT-URL",
        "transmission_id": "PAYPAL-TRANSMISSION-ID",
        "transmission_sig": "PAYPAL-TRANSMISSION-SIG",
        "transmission_time": "PAYPAL-TRANSMISSION-TIME",
    }
    lowered = {key.lower(): value for key, value in headers.items()}
    body: dict[str, Any] = {field: lowered.get(header.lower()) for field, header in wanted.items()}
    if not all(body.values()):
        return False
    body.update(webhook_id=settings.paypal_webhook_id, webhook_event=event)
    response = _call(settings, "POST", "/v1/notifications/verify-webhook-signature", json=body)
    return response.status_code == 200 and response.json().get("verification_status") == "SUCCESS"


def _capture_of_order(order: dict[str, Any]) -> PayPalCapture:
    unit = (order.get("purchase_units") or [{}])[0]
    captures = (unit.get("payments") or {}).get("captures") or []
    if not captures:
        raise UpstreamUnavailable("PayPal returned an order without a capture.")
    capture = captures[0]
    amount = capture.get("amount") or {}
    return PayPalCapture(
        id=str(capture["id"]),
        status=str(capture.get("status")),
        amount_cents=value_to_cents(str(amount.get("value", "0"))),
        currency=str(amount.get("currency_code", "")),
        custom_id=capture.get("custom_id") or unit.get("custom_id"),
        invoice_id=capture.get("invoice_id"),
        order_id=order.get("id"),
    )


def _first_issue(response: requests.Response) -> str | None:
    try:
        details = response.json().get("details") or []
    except ValueError:
        return None
    return details[0].get("issue") if details else None
