"""JSON views of orders and captures, as the Orders v2 API and the webhook resources show them."""

from __future__ import annotations

from typing import Any

from .clock import paypal_time
from .responses import link, root_url
from .state import Capture, Order, SimulatorState


def payee(state: SimulatorState) -> dict[str, str]:
    return {
        "email_address": state.settings.merchant_email,
        "merchant_id": state.settings.merchant_id,
    }


def buyer_payer(state: SimulatorState) -> dict[str, Any]:
    settings = state.settings
    return {
        "name": {"given_name": settings.buyer_given_name, "surname": settings.buyer_surname},
        "email_address": settings.buyer_email,
        "payer_id": settings.buyer_payer_id,
        "address": {"country_code": settings.buyer_country_code},
    }


def paypal_wallet(payer: dict[str, Any]) -> dict[str, Any]:
    """``payment_source.paypal`` once a buyer approved with their PayPal account."""
    return {
        "email_address": payer["email_address"],
        "account_id": payer["payer_id"],
        "account_status": "VERIFIED",
        "name": payer["name"],
        "address": payer["address"],
    }


def checkout_url(state: SimulatorState, order_id: str) -> str:
    return f"{root_url(state)}/checkoutnow?token={order_id}"


def order_links(state: SimulatorState, order: Order) -> list[dict[str, str]]:
    self_url = f"{root_url(state)}/v2/checkout/orders/{order.id}"
    links = [link(self_url, "self")]
    if order.status == "CREATED":
        links.append(link(checkout_url(state, order.id), "approve"))
    if order.status == "PAYER_ACTION_REQUIRED":
        links.append(link(checkout_url(state, order.id), "payer-action"))
    if order.status in ("CREATED", "APPROVED"):
        links.append(link(self_url, "update", "PATCH"))
        action = "capture" if order.intent == "CAPTURE" else "authorize"
        links.append(link(f"{self_url}/{action}", action, "POST"))
    return links


def capture_json(
    state: SimulatorState, capture: Capture, *, with_order_link: bool = True
) -> dict[str, Any]:
    root = root_url(state)
    body: dict[str, Any] = {
        "id": capture.id,
        "status": capture.status,
        "amount": dict(capture.amount),
    }
    if capture.status_reason:
        body["status_details"] = {"reason": capture.status_reason}
    if capture.invoice_id is not None:
        body["invoice_id"] = capture.invoice_id
    if capture.custom_id is not None:
        body["custom_id"] = capture.custom_id
    body["final_capture"] = capture.final_capture
    body["seller_protection"] = {
        "status": "ELIGIBLE",
        "dispute_categories": ["ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"],
    }
    if capture.status == "COMPLETED":
        body["seller_receivable_breakdown"] = {
            "gross_amount": dict(capture.amount),
            "paypal_fee": dict(capture.fee),
            "net_amount": dict(capture.net),
        }
    capture_url = f"{root}/v2/payments/captures/{capture.id}"
    links = [link(capture_url, "self")]
    if capture.status in ("COMPLETED", "PARTIALLY_REFUNDED"):
        links.append(link(f"{capture_url}/refund", "refund", "POST"))
    if with_order_link:
        links.append(link(f"{root}/v2/checkout/orders/{capture.order_id}", "up"))
    body["links"] = links
    body["create_time"] = paypal_time(capture.create_time)
    body["update_time"] = paypal_time(capture.update_time)
    return body


def capture_resource(state: SimulatorState, capture: Capture) -> dict[str, Any]:
    """A capture as GET /v2/payments/captures/{id} and webhook ``resource`` show it."""
    body = capture_json(state, capture)
    body["supplementary_data"] = {"related_ids": {"order_id": capture.order_id}}
    body["payee"] = payee(state)
    return body


def _unit_json(state: SimulatorState, order: Order, index: int, *, full: bool) -> dict[str, Any]:
    unit = order.purchase_units[index]
    captures = [capture for capture in order.captures if capture.unit_index == index]
    if full:
        body = {key: value for key, value in unit.items()}
        body["payee"] = payee(state)
    else:
        body = {"reference_id": unit["reference_id"]}
    if captures:
        body["payments"] = {"captures": [capture_json(state, c) for c in captures]}
    return body


def order_json(state: SimulatorState, order: Order, *, full: bool = True) -> dict[str, Any]:
    """``Prefer: return=representation`` (full) or ``return=minimal`` (id, status, links...)."""
    body: dict[str, Any] = {"id": order.id}
    if full:
        body["intent"] = order.intent
    body["status"] = order.status
    if order.payer is not None:
        body["payment_source"] = {"paypal": paypal_wallet(order.payer)}
    elif order.uses_payment_source:
        body["payment_source"] = {"paypal": {}}
    if full or order.captures:
        body["purchase_units"] = [
            _unit_json(state, order, index, full=full) for index in range(len(order.purchase_units))
        ]
    if order.payer is not None and (full or order.captures):
        body["payer"] = {
            key: order.payer[key] for key in ("name", "email_address", "payer_id", "address")
        }
    if full:
        body["create_time"] = paypal_time(order.create_time)
        if order.update_time != order.create_time:
            body["update_time"] = paypal_time(order.update_time)
    body["links"] = order_links(state, order)
    return body
