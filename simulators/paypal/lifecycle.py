"""Order lifecycle: create, approve, cancel, capture, void, expire; and the events each emits.

Statuses: CREATED or PAYER_ACTION_REQUIRED (with ``payment_source.paypal``) → APPROVED (buyer
approved) → COMPLETED (captured; check the capture's own status) or VOIDED (expired, or voided
by an admin). Every function here expects the caller to hold ``state.lock`` and returns the
webhook transmissions to dispatch once the lock is released.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from .errors import ErrorDetail, PayPalError, order_not_found, unprocessable
from .events import publish
from .ids import capture_id as new_capture_id
from .ids import order_id as new_order_id
from .money import format_value, money, seller_fee, summary_amount
from .representations import (
    buyer_payer,
    capture_resource,
    checkout_url,
    order_json,
)
from .responses import link
from .state import PRE_APPROVAL_STATUSES, Capture, Delivery, Order, SimulatorState
from .validation import OrderRequest

CAPTURE_EVENTS: dict[str, tuple[str, str]] = {
    # capture status -> (event type, summary verb)
    "COMPLETED": ("PAYMENT.CAPTURE.COMPLETED", "completed"),
    "PENDING": ("PAYMENT.CAPTURE.PENDING", "pending"),
    "DECLINED": ("PAYMENT.CAPTURE.DENIED", "denied"),
}


def fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()


def find_order(state: SimulatorState, order_id: str) -> Order:
    order = state.orders.get(order_id)
    if order is None:
        raise order_not_found(order_id)
    return order


def create_order(state: SimulatorState, request: OrderRequest, body_fingerprint: str) -> Order:
    now = state.clock.now()
    status = "PAYER_ACTION_REQUIRED" if request.uses_payment_source else "CREATED"
    order = Order(
        id=new_order_id(),
        intent=request.intent,
        status=status,
        pre_approval_status=status,
        purchase_units=request.purchase_units,
        return_url=request.return_url,
        cancel_url=request.cancel_url,
        uses_payment_source=request.uses_payment_source,
        create_time=now,
        update_time=now,
        fingerprint=body_fingerprint,
    )
    state.orders[order.id] = order
    return order


def approve_order(
    state: SimulatorState, order: Order, payer: dict[str, Any] | None = None
) -> list[Delivery]:
    """The buyer approves on the checkout page: APPROVED plus CHECKOUT.ORDER.APPROVED."""
    if order.status not in PRE_APPROVAL_STATUSES:
        raise ValueError(f"order {order.id} is {order.status}; only unapproved orders approve")
    now = state.clock.now()
    order.status = "APPROVED"
    order.payer = {**buyer_payer(state), **(payer or {})}
    order.approved_at = now
    order.update_time = now
    _, deliveries = publish(
        state,
        "CHECKOUT.ORDER.APPROVED",
        "checkout-order",
        order_json(state, order, full=True),
        "An order has been approved by buyer",
        order.id,
    )
    return deliveries


def redirect_target(order: Order, approved: bool) -> str | None:
    """Where the buyer goes next: return_url?token=&PayerID= or cancel_url?token=."""
    base = order.return_url if approved else order.cancel_url
    if base is None:
        return None
    separator = "&" if "?" in base else "?"
    query = f"token={order.id}"
    if approved and order.payer is not None:
        query += f"&PayerID={order.payer['payer_id']}"
    return f"{base}{separator}{query}"


def void_order(state: SimulatorState, order: Order, reason: str) -> list[Delivery]:
    """VOIDED; an approved order losing its approval also sends the reversal event."""
    if order.status in ("COMPLETED", "VOIDED"):
        raise ValueError(f"order {order.id} is already {order.status}")
    was_approved = order.status == "APPROVED"
    order.status = "VOIDED"
    order.void_reason = reason
    order.update_time = state.clock.now()
    if not was_approved:
        return []
    _, deliveries = publish(
        state,
        "CHECKOUT.PAYMENT-APPROVAL.REVERSED",
        "checkout-order",
        order_json(state, order, full=True),
        "A payment has been reversed after approval.",
        order.id,
    )
    return deliveries


def expire_orders(state: SimulatorState) -> list[Delivery]:
    """Unapproved orders past the approval window and approved ones past the capture window."""
    now = state.clock.now()
    settings = state.settings
    deliveries: list[Delivery] = []
    for order in state.orders.values():
        if order.status in PRE_APPROVAL_STATUSES:
            if now - order.create_time >= settings.approval_window_seconds:
                deliveries += void_order(state, order, "APPROVAL_EXPIRED")
        elif (
            order.status == "APPROVED"
            and order.approved_at is not None
            and now - order.approved_at >= settings.capture_window_seconds
        ):
            deliveries += void_order(state, order, "CAPTURE_WINDOW_EXPIRED")
    return deliveries


def _capture_unit(state: SimulatorState, order: Order, index: int, status: str) -> Capture:
    settings = state.settings
    unit = order.purchase_units[index]
    currency = unit["amount"]["currency_code"]
    decimals = settings.currency_decimals[currency]
    gross = Decimal(unit["amount"]["value"])
    fee = seller_fee(gross, currency, settings.fee_percent, settings.fee_fixed)
    now = state.clock.now()
    capture = Capture(
        id=new_capture_id(),
        order_id=order.id,
        unit_index=index,
        status=status,
        amount=money(currency, format_value(gross, decimals)),
        fee=money(currency, format_value(fee, decimals)),
        net=money(currency, format_value(gross - Decimal(format_value(fee, decimals)), decimals)),
        custom_id=unit.get("custom_id"),
        invoice_id=unit.get("invoice_id"),
        create_time=now,
        update_time=now,
        status_reason=settings.pending_reason if status == "PENDING" else None,
    )
    state.captures[capture.id] = capture
    return capture


def publish_capture_event(state: SimulatorState, capture: Capture) -> list[Delivery]:
    event_type, verb = CAPTURE_EVENTS[capture.status]
    _, deliveries = publish(
        state,
        event_type,
        "capture",
        capture_resource(state, capture),
        f"Payment {verb} for {summary_amount(capture.amount)}",
        capture.order_id,
    )
    return deliveries


def capture_order(state: SimulatorState, order: Order) -> list[Delivery]:
    """Capture every purchase unit, or raise PayPal's 422 for the order's state."""
    _check_capturable(state, order)
    outcome = state.capture_outcomes.next_outcome(order.id)
    if outcome == "instrument_declined":
        # The buyer must pick another funding source: the approval is undone and the error
        # carries a "redirect" link back to the checkout page.
        order.status = order.pre_approval_status
        order.payer = None
        order.approved_at = None
        order.update_time = state.clock.now()
        raise PayPalError(
            "UNPROCESSABLE_ENTITY",
            [ErrorDetail("INSTRUMENT_DECLINED", None, None, "path")],
            extra_links=[link(checkout_url(state, order.id), "redirect")],
        )
    capture_status = {"completed": "COMPLETED", "pending": "PENDING", "declined": "DECLINED"}[
        outcome
    ]
    deliveries: list[Delivery] = []
    for index in range(len(order.purchase_units)):
        capture = _capture_unit(state, order, index, capture_status)
        order.captures.append(capture)
        if capture_status != "DECLINED" and capture.invoice_id is not None:
            state.paid_invoice_ids.add(capture.invoice_id)
        deliveries += publish_capture_event(state, capture)
    order.status = "COMPLETED"
    order.update_time = state.clock.now()
    return deliveries


def _check_capturable(state: SimulatorState, order: Order) -> None:
    """PayPal's 422 for an order that cannot be captured (in the order PayPal checks)."""
    if order.intent != "CAPTURE":
        raise unprocessable("ACTION_DOES_NOT_MATCH_INTENT", None, None, "path")
    if order.status == "COMPLETED":
        raise unprocessable("ORDER_ALREADY_CAPTURED", None, None, "path")
    if order.status == "VOIDED":
        raise unprocessable("ORDER_EXPIRED", None, None, "path")
    if order.status in PRE_APPROVAL_STATUSES:
        raise unprocessable("ORDER_NOT_APPROVED", None, None, "path")
    if state.settings.block_duplicate_invoice_id:
        for unit in order.purchase_units:
            invoice_id = unit.get("invoice_id")
            if invoice_id is not None and invoice_id in state.paid_invoice_ids:
                raise unprocessable("DUPLICATE_INVOICE_ID", "/invoice_id", invoice_id)


def resolve_pending_capture(
    state: SimulatorState, capture_id: str, complete: bool
) -> list[Delivery]:
    """A PENDING capture clears (COMPLETED) or is denied (DECLINED, PAYMENT.CAPTURE.DENIED)."""
    capture = state.captures.get(capture_id)
    if capture is None:
        raise KeyError(capture_id)
    if capture.status != "PENDING":
        raise ValueError(f"capture {capture_id} is {capture.status}, not PENDING")
    capture.status = "COMPLETED" if complete else "DECLINED"
    capture.status_reason = None
    capture.update_time = state.clock.now()
    if not complete and capture.invoice_id is not None:
        state.paid_invoice_ids.discard(capture.invoice_id)
    return publish_capture_event(state, capture)


def describe_order(state: SimulatorState, order: Order) -> dict[str, Any]:
    """Admin view: the API representation plus what only the simulator knows."""
    return {
        "order": order_json(state, order, full=True),
        "return_url": order.return_url,
        "cancel_url": order.cancel_url,
        "void_reason": order.void_reason,
        "approve_url": checkout_url(state, order.id),
    }
