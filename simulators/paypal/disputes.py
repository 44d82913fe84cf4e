"""Buyer disputes (PayPal's Disputes API, v1) and the admin steering of refunds and disputes.

An admin opens a case against a capture (``CUSTOMER.DISPUTE.CREATED``, resource: the dispute)
and later resolves it (``CUSTOMER.DISPUTE.RESOLVED`` with ``dispute_outcome``); resolved in the
buyer's favour, PayPal takes the disputed amount back from the merchant: a reversal
(``PAYMENT.CAPTURE.REVERSED``). ``GET /v1/customer/disputes/{id}`` shows a case. The admin part
also chooses the status of the next refunds, settles pending ones and reverses captures.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, request

from simulators.routing import Routes

from .clock import paypal_time
from .errors import PayPalError
from .events import publish
from .ids import dispute_id as new_dispute_id
from .money import format_value, money
from .pipeline import Pipeline
from .refunds import (
    REFUND_STATUSES,
    refund_json,
    refunded_so_far,
    resolve_pending_refund,
    reverse_capture,
)
from .responses import json_response, link, root_url
from .state import Delivery, Dispute, SimulatorState

DISPUTE_REASONS: tuple[str, ...] = (
    "MERCHANDISE_OR_SERVICE_NOT_RECEIVED",
    "MERCHANDISE_OR_SERVICE_NOT_AS_DESCRIBED",
    "UNAUTHORISED",
    "CREDIT_NOT_PROCESSED",
    "DUPLICATE_TRANSACTION",
    "INCORRECT_AMOUNT",
    "PAYMENT_BY_OTHER_MEANS",
    "CANCELED_RECURRING_BILLING",
    "PROBLEM_WITH_REMITTANCE",
    "OTHER",
)
DISPUTE_STAGES: tuple[str, ...] = ("INQUIRY", "CHARGEBACK", "PRE_ARBITRATION", "ARBITRATION")
DISPUTE_OUTCOMES: tuple[str, ...] = (
    "RESOLVED_BUYER_FAVOUR",
    "RESOLVED_SELLER_FAVOUR",
    "RESOLVED_WITH_PAYOUT",
    "CANCELED_BY_BUYER",
    "ACCEPTED",
    "DENIED",
)
# Outcomes in which the buyer gets the money back (PayPal takes it from the merchant).
BUYER_WINS = ("RESOLVED_BUYER_FAVOUR", "ACCEPTED")


def dispute_json(state: SimulatorState, dispute: Dispute) -> dict[str, Any]:
    capture = state.captures[dispute.capture_id]
    transaction: dict[str, Any] = {
        "seller_transaction_id": capture.id,
        "seller": {"merchant_id": state.settings.merchant_id},
        "items": [],
        "seller_protection_eligible": True,
    }
    # Disputes API transaction_info fields; UNVERIFIED whether webhook resources carry them.
    if capture.invoice_id is not None:
        transaction["invoice_number"] = capture.invoice_id
    if capture.custom_id is not None:
        transaction["custom"] = capture.custom_id
    body: dict[str, Any] = {
        "dispute_id": dispute.id,
        "create_time": paypal_time(dispute.create_time),
        "update_time": paypal_time(dispute.update_time),
        "disputed_transactions": [transaction],
        "reason": dispute.reason,
        "status": dispute.status,
        "dispute_amount": dict(dispute.amount),
        "dispute_life_cycle_stage": dispute.stage,
        "dispute_channel": "INTERNAL",
    }
    if dispute.outcome is not None:
        body["dispute_outcome"] = {"outcome_code": dispute.outcome}
        if dispute.outcome in BUYER_WINS:
            body["dispute_outcome"]["amount_refunded"] = dict(dispute.amount)
    url = f"{root_url(state)}/v1/customer/disputes/{dispute.id}"
    body["links"] = [link(url, "self")]
    return body


def open_dispute(state: SimulatorState, spec: dict[str, Any]) -> tuple[Dispute, list[Delivery]]:
    """A buyer opens a case against a capture (caller holds the lock)."""
    capture = state.captures.get(str(spec.get("capture_id")))
    if capture is None:
        raise KeyError("capture")
    reason = str(spec.get("reason", "MERCHANDISE_OR_SERVICE_NOT_RECEIVED"))
    stage = str(spec.get("stage", "INQUIRY"))
    if reason not in DISPUTE_REASONS or stage not in DISPUTE_STAGES:
        raise ValueError(f"reason one of {DISPUTE_REASONS}, stage one of {DISPUTE_STAGES}")
    currency = capture.amount["currency_code"]
    value = Decimal(str(spec.get("amount", capture.amount["value"])))
    decimals = state.settings.currency_decimals[currency]
    now = state.clock.now()
    dispute = Dispute(
        id=new_dispute_id(),
        capture_id=capture.id,
        order_id=capture.order_id,
        reason=reason,
        status="OPEN",
        stage=stage,
        amount=money(currency, format_value(value, decimals)),
        create_time=now,
        update_time=now,
    )
    state.disputes[dispute.id] = dispute
    _, deliveries = publish(
        state,
        "CUSTOMER.DISPUTE.CREATED",
        "dispute",
        dispute_json(state, dispute),
        f"A new dispute opened with Case # {dispute.id}",
        capture.order_id,
    )
    return dispute, deliveries


def resolve_dispute(state: SimulatorState, dispute: Dispute, outcome: str) -> list[Delivery]:
    """The case ends; if the buyer wins, the disputed amount is reversed first."""
    if dispute.status == "RESOLVED":
        raise ValueError(f"dispute {dispute.id} is already resolved")
    if outcome not in DISPUTE_OUTCOMES:
        raise ValueError(f"outcome one of {DISPUTE_OUTCOMES}")
    deliveries: list[Delivery] = []
    capture = state.captures[dispute.capture_id]
    left = Decimal(capture.amount["value"]) - refunded_so_far(state, capture)
    if outcome in BUYER_WINS and left > 0:
        _, deliveries = reverse_capture(state, capture, Decimal(dispute.amount["value"]))
    dispute.status = "RESOLVED"
    dispute.outcome = outcome
    dispute.update_time = state.clock.now()
    _, resolved = publish(
        state,
        "CUSTOMER.DISPUTE.RESOLVED",
        "dispute",
        dispute_json(state, dispute),
        f"A dispute was resolved with case # {dispute.id}",
        dispute.order_id,
    )
    return deliveries + resolved


routes = Routes()
admin_routes = Routes()


class DisputesApi:
    def __init__(self, state: SimulatorState, pipeline: Pipeline) -> None:
        self.state = state
        self.pipeline = pipeline

    def show(self, dispute_id: str) -> Response:
        with self.state.lock:
            dispute = self.state.disputes.get(dispute_id)
            if dispute is None:
                raise PayPalError("RESOURCE_NOT_FOUND")
            return json_response(dispute_json(self.state, dispute))

    @routes.get("/v1/customer/disputes/<dispute_id>")
    def show_route(self, dispute_id: str) -> Response:
        return self.pipeline.run("get_dispute", lambda: self.show(dispute_id), v1=True)


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _answer(
    body: Any, deliveries: list[Delivery], pipeline: Pipeline, status: int = 200
) -> Response:
    pipeline.send(deliveries)
    return json_response(body, status)


class MoneyAdmin:
    """/admin routes for refunds, reversals and disputes."""

    def __init__(self, state: SimulatorState, pipeline: Pipeline) -> None:
        self.state = state
        self.pipeline = pipeline

    @admin_routes.post("/refund-outcomes")
    def refund_outcome_add(self) -> Response:
        body = _body()
        status = str(body.get("status", "")).upper()
        count = body.get("count", 1)
        if status not in REFUND_STATUSES or not isinstance(count, int) or count < 1:
            return json_response({"error": f"status one of {REFUND_STATUSES}, count >= 1"}, 400)
        with self.state.lock:
            self.state.refund_outcomes.extend([status] * count)
            return json_response({"refund_outcomes": list(self.state.refund_outcomes)}, 201)

    @admin_routes.get("/refunds")
    def refunds(self) -> Response:
        capture_id = request.args.get("capture_id")
        with self.state.lock:
            listed = [
                refund_json(self.state, refund)
                for refund in self.state.refunds.values()
                if capture_id in (None, refund.capture_id)
            ]
        return json_response({"refunds": listed})

    def _refund_resolution(self, refund_id: str, complete: bool) -> Response:
        with self.state.lock:
            try:
                deliveries = resolve_pending_refund(self.state, refund_id, complete)
            except KeyError:
                return json_response({"error": "no such refund"}, 404)
            except ValueError as error:
                return json_response({"error": str(error)}, 409)
            body = refund_json(self.state, self.state.refunds[refund_id])
        return _answer(body, deliveries, self.pipeline)

    @admin_routes.post("/refunds/<refund_id>/complete")
    def refund_complete(self, refund_id: str) -> Response:
        return self._refund_resolution(refund_id, complete=True)

    @admin_routes.post("/refunds/<refund_id>/fail")
    def refund_fail(self, refund_id: str) -> Response:
        return self._refund_resolution(refund_id, complete=False)

    @admin_routes.post("/captures/<capture_id>/reverse")
    def capture_reverse(self, capture_id: str) -> Response:
        amount = _body().get("amount")
        with self.state.lock:
            capture = self.state.captures.get(capture_id)
            if capture is None:
                return json_response({"error": "no such capture"}, 404)
            try:
                refund, deliveries = reverse_capture(
                    self.state, capture, Decimal(str(amount)) if amount is not None else None
                )
            except ValueError as error:
                return json_response({"error": str(error)}, 409)
            body = refund_json(self.state, refund)
        return _answer(body, deliveries, self.pipeline, 201)

    @admin_routes.post("/disputes")
    def dispute_open(self) -> Response:
        with self.state.lock:
            try:
                dispute, deliveries = open_dispute(self.state, _body())
            except KeyError:
                return json_response({"error": "no such capture"}, 404)
            except ValueError as error:
                return json_response({"error": str(error)}, 400)
            body = dispute_json(self.state, dispute)
        return _answer(body, deliveries, self.pipeline, 201)

    @admin_routes.post("/disputes/<dispute_id>/resolve")
    def dispute_resolve(self, dispute_id: str) -> Response:
        outcome = str(_body().get("outcome", "RESOLVED_SELLER_FAVOUR"))
        with self.state.lock:
            dispute = self.state.disputes.get(dispute_id)
            if dispute is None:
                return json_response({"error": "no such dispute"}, 404)
            try:
                deliveries = resolve_dispute(self.state, dispute, outcome)
            except ValueError as error:
                return json_response({"error": str(error)}, 409)
            body = dispute_json(self.state, dispute)
        return _answer(body, deliveries, self.pipeline)


def create_disputes_blueprint(state: SimulatorState, pipeline: Pipeline) -> Blueprint:
    return routes.register(Blueprint("paypal_disputes", __name__), DisputesApi(state, pipeline))


def create_money_admin_blueprint(state: SimulatorState, pipeline: Pipeline) -> Blueprint:
    blueprint = Blueprint("paypal_money_admin", __name__, url_prefix="/admin")
    return admin_routes.register(blueprint, MoneyAdmin(state, pipeline))
