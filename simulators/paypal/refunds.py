"""Refunds of captures (Payments v2) and the reversals PayPal makes itself (chargebacks).

``POST /v2/payments/captures/{id}/refund`` with an empty body refunds what is left of the
capture, with ``amount`` a part of it; ``PayPal-Request-Id`` makes it idempotent. A refund is
``COMPLETED`` unless an admin rule gives the next ones another status (``PENDING`` with
``status_details.reason: ECHECK``, ``FAILED``, ``CANCELLED``). A completed refund moves the
capture to ``PARTIALLY_REFUNDED`` or ``REFUNDED`` and sends ``PAYMENT.CAPTURE.REFUNDED``
(resource: the refund); a reversal sends ``PAYMENT.CAPTURE.REVERSED``. Every function here expects
the caller to hold ``state.lock`` and returns the transmissions to dispatch after releasing it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, request

from simulators.routing import Routes

from .clock import paypal_time
from .errors import PayPalError, unprocessable
from .events import publish
from .ids import refund_id as new_refund_id
from .money import format_value, money, parse_money, summary_amount
from .pipeline import Pipeline
from .responses import json_response, link, request_json, root_url
from .state import Capture, Delivery, IdempotencyRecord, Refund, SimulatorState

REFUND_STATUSES: tuple[str, ...] = ("COMPLETED", "PENDING", "FAILED", "CANCELLED")
# PayPal refuses refunds of captures older than this (its 180-day refund window).
REFUND_WINDOW_SECONDS = 180 * 24 * 3600
REFUNDABLE_CAPTURE_STATUSES = ("COMPLETED", "PARTIALLY_REFUNDED")


def _decimals(state: SimulatorState, currency: str) -> int:
    return state.settings.currency_decimals[currency]


def refunded_so_far(state: SimulatorState, capture: Capture) -> Decimal:
    """What completed and pending refunds and reversals already took from the capture."""
    return sum(
        (
            Decimal(refund.amount["value"])
            for refund in state.refunds.values()
            if refund.capture_id == capture.id and refund.status in ("COMPLETED", "PENDING")
        ),
        Decimal(0),
    )


def _settle_capture_status(state: SimulatorState, capture: Capture) -> None:
    completed = sum(
        (
            Decimal(refund.amount["value"])
            for refund in state.refunds.values()
            if refund.capture_id == capture.id and refund.status == "COMPLETED"
        ),
        Decimal(0),
    )
    if completed <= 0:
        return
    full = completed >= Decimal(capture.amount["value"])
    capture.status = "REFUNDED" if full else "PARTIALLY_REFUNDED"
    capture.update_time = state.clock.now()


def refund_json(state: SimulatorState, refund: Refund, *, full: bool = True) -> dict[str, Any]:
    """A refund as GET /v2/payments/refunds/{id} and the webhook ``resource`` show it."""
    root = root_url(state)
    links = [
        link(f"{root}/v2/payments/refunds/{refund.id}", "self"),
        link(f"{root}/v2/payments/captures/{refund.capture_id}", "up"),
    ]
    if not full:
        return {"id": refund.id, "status": refund.status, "links": links}
    body: dict[str, Any] = {"id": refund.id, "amount": dict(refund.amount)}
    if refund.note_to_payer:
        body["note_to_payer"] = refund.note_to_payer
    capture = state.captures[refund.capture_id]
    currency = refund.amount["currency_code"]
    decimals = _decimals(state, currency)
    body["seller_payable_breakdown"] = {
        "gross_amount": dict(refund.amount),
        # UNVERIFIED: PayPal may keep part of its fee; the simulator returns none of it.
        "paypal_fee": money(currency, format_value(Decimal(0), decimals)),
        "net_amount": dict(refund.amount),
        "total_refunded_amount": money(
            currency, format_value(refunded_so_far(state, capture), decimals)
        ),
    }
    if refund.invoice_id is not None:
        body["invoice_id"] = refund.invoice_id
    if refund.custom_id is not None:
        body["custom_id"] = refund.custom_id
    body["status"] = refund.status
    if refund.status_reason:
        body["status_details"] = {"reason": refund.status_reason}
    body["create_time"] = paypal_time(refund.create_time)
    body["update_time"] = paypal_time(refund.update_time)
    body["links"] = links
    return body


def _refund_amount(state: SimulatorState, capture: Capture, body: dict[str, Any]) -> Decimal:
    """The amount asked for (all that is left without ``amount``), or PayPal's 422."""
    currency = capture.amount["currency_code"]
    left = Decimal(capture.amount["value"]) - refunded_so_far(state, capture)
    if left <= 0:
        raise unprocessable("CAPTURE_FULLY_REFUNDED", None, None, "path")
    if "amount" not in body:
        return left
    asked_currency, asked = parse_money(
        body["amount"], "/amount", state.settings.currency_decimals, strict=False
    )
    if asked_currency != currency:
        raise unprocessable(
            "REFUND_CAPTURE_CURRENCY_MISMATCH", "/amount/currency_code", asked_currency
        )
    if asked > left:
        raise unprocessable("REFUND_AMOUNT_EXCEEDED", "/amount/value", body["amount"].get("value"))
    return asked


def refund_capture(
    state: SimulatorState, capture: Capture, body: dict[str, Any]
) -> tuple[Refund, list[Delivery]]:
    """The merchant refunds (part of) a capture."""
    if capture.status not in REFUNDABLE_CAPTURE_STATUSES:
        if capture.status == "REFUNDED":
            raise unprocessable("CAPTURE_FULLY_REFUNDED", None, None, "path")
        raise unprocessable("REFUND_NOT_ALLOWED", None, None, "path")
    if state.clock.now() - capture.create_time > REFUND_WINDOW_SECONDS:
        raise unprocessable("REFUND_TIME_LIMIT_EXCEEDED", None, None, "path")
    amount = _refund_amount(state, capture, body)
    status = state.refund_outcomes.pop(0) if state.refund_outcomes else "COMPLETED"
    now = state.clock.now()
    currency = capture.amount["currency_code"]
    refund = Refund(
        id=new_refund_id(),
        capture_id=capture.id,
        order_id=capture.order_id,
        status=status,
        amount=money(currency, format_value(amount, _decimals(state, currency))),
        create_time=now,
        update_time=now,
        invoice_id=_text(body, "invoice_id"),
        custom_id=_text(body, "custom_id"),
        note_to_payer=_text(body, "note_to_payer"),
        status_reason="ECHECK" if status == "PENDING" else None,
    )
    state.refunds[refund.id] = refund
    return refund, _completed(state, refund)


def _text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    return value[:255] if isinstance(value, str) else None


def _completed(state: SimulatorState, refund: Refund) -> list[Delivery]:
    """Capture status and event of a refund that completed (nothing for any other status)."""
    if refund.status != "COMPLETED":
        return []
    capture = state.captures[refund.capture_id]
    _settle_capture_status(state, capture)
    verb = "reversed" if refund.reversal else "refunded"
    event_type = "PAYMENT.CAPTURE.REVERSED" if refund.reversal else "PAYMENT.CAPTURE.REFUNDED"
    _, deliveries = publish(
        state,
        event_type,
        "refund",
        refund_json(state, refund),
        f"A {summary_amount(refund.amount)} capture payment was {verb}",
        refund.order_id,
    )
    return deliveries


def resolve_pending_refund(state: SimulatorState, refund_id: str, complete: bool) -> list[Delivery]:
    """A PENDING refund clears (COMPLETED, with its event) or fails (FAILED, no event)."""
    refund = state.refunds.get(refund_id)
    if refund is None:
        raise KeyError(refund_id)
    if refund.status != "PENDING":
        raise ValueError(f"refund {refund_id} is {refund.status}, not PENDING")
    refund.status = "COMPLETED" if complete else "FAILED"
    refund.status_reason = None
    refund.update_time = state.clock.now()
    return _completed(state, refund)


def reverse_capture(
    state: SimulatorState, capture: Capture, amount: Decimal | None = None
) -> tuple[Refund, list[Delivery]]:
    """PayPal takes money back from the merchant (a chargeback, a dispute lost)."""
    if capture.status not in REFUNDABLE_CAPTURE_STATUSES:
        raise ValueError(f"capture {capture.id} is {capture.status}; nothing to reverse")
    currency = capture.amount["currency_code"]
    left = Decimal(capture.amount["value"]) - refunded_so_far(state, capture)
    taken = min(amount, left) if amount is not None else left
    now = state.clock.now()
    refund = Refund(
        id=new_refund_id(),
        capture_id=capture.id,
        order_id=capture.order_id,
        status="COMPLETED",
        amount=money(currency, format_value(taken, _decimals(state, currency))),
        create_time=now,
        update_time=now,
        invoice_id=capture.invoice_id,
        custom_id=capture.custom_id,
        reversal=True,
    )
    state.refunds[refund.id] = refund
    return refund, _completed(state, refund)


def _request_id() -> str | None:
    value = request.headers.get("PayPal-Request-Id", "").strip()
    return value or None


def _wants_representation() -> bool:
    return "return=representation" in request.headers.get("Prefer", "").replace(" ", "")


routes = Routes()


class RefundsApi:
    """POST /v2/payments/captures/{id}/refund and GET /v2/payments/refunds/{id}."""

    def __init__(self, state: SimulatorState, pipeline: Pipeline) -> None:
        self.state = state
        self.pipeline = pipeline

    def refund(self, capture_id: str) -> Response:
        state = self.state
        body = request_json() if request.get_data() else {}
        request_id = _request_id()
        with state.lock:
            capture = state.captures.get(capture_id)
            if capture is None:
                raise PayPalError("RESOURCE_NOT_FOUND")
            if request_id is not None:
                earlier = state.remembered_request("refund_capture", request_id)
                if earlier is not None and earlier.refund_id is not None:
                    if earlier.fingerprint != capture_id:
                        raise unprocessable(
                            "PAYPAL_REQUEST_ID_PREVIOUSLY_USED", None, request_id, "header"
                        )
                    refund = state.refunds[earlier.refund_id]
                    return json_response(refund_json(state, refund, full=_wants_representation()))
            refund, deliveries = refund_capture(state, capture, body)
            if request_id is not None:
                state.request_ids[("refund_capture", request_id)] = IdempotencyRecord(
                    "refund_capture",
                    request_id,
                    capture_id,
                    capture.order_id,
                    state.clock.now(),
                    refund_id=refund.id,
                )
            response = json_response(refund_json(state, refund, full=_wants_representation()), 201)
        self.pipeline.send(deliveries)
        return response

    def show(self, refund_id: str) -> Response:
        with self.state.lock:
            refund = self.state.refunds.get(refund_id)
            if refund is None:
                raise PayPalError("RESOURCE_NOT_FOUND")
            return json_response(refund_json(self.state, refund))

    @routes.post("/v2/payments/captures/<capture_id>/refund")
    def refund_route(self, capture_id: str) -> Response:
        return self.pipeline.run("refund_capture", lambda: self.refund(capture_id))

    @routes.get("/v2/payments/refunds/<refund_id>")
    def show_route(self, refund_id: str) -> Response:
        return self.pipeline.run("get_refund", lambda: self.show(refund_id))


def create_refunds_blueprint(state: SimulatorState, pipeline: Pipeline) -> Blueprint:
    return routes.register(Blueprint("paypal_refunds", __name__), RefundsApi(state, pipeline))
