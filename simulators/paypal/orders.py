"""Orders v2: create, show and capture orders; show captures.

``PayPal-Request-Id`` makes create and capture idempotent for ``request_id_retention_seconds``:
a repeat answers 200 with the order as it is now (PayPal: "returns the latest status of the
earlier request"), or the earlier error again. ``Prefer: return=representation`` returns the
full order, otherwise the minimal one (id, status, links, and captures once captured).
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from .errors import PayPalError, unprocessable
from .lifecycle import capture_order, create_order, find_order, fingerprint
from .pipeline import Pipeline
from .representations import capture_resource, order_json
from .responses import debug_id, json_response, request_json
from .state import IdempotencyRecord, SimulatorState
from .validation import validate_order_request


def _wants_representation() -> bool:
    return "return=representation" in request.headers.get("Prefer", "").replace(" ", "")


def _request_id() -> str | None:
    value = request.headers.get("PayPal-Request-Id", "").strip()
    return value or None


def create_orders_blueprint(state: SimulatorState, pipeline: Pipeline) -> Blueprint:
    blueprint = Blueprint("paypal_orders", __name__)

    def create() -> Response:
        body = request_json()
        request_id = _request_id()
        body_fingerprint = fingerprint(body)
        with state.lock:
            if request_id is not None:
                earlier = state.remembered_request("create_order", request_id)
                if earlier is not None and earlier.order_id is not None:
                    if (
                        earlier.fingerprint != body_fingerprint
                        and state.settings.idempotency_mismatch == "error"
                    ):
                        raise unprocessable(
                            "PAYPAL_REQUEST_ID_PREVIOUSLY_USED", None, request_id, "header"
                        )
                    order = find_order(state, earlier.order_id)
                    return json_response(order_json(state, order, full=_wants_representation()))
            order = create_order(
                state, validate_order_request(body, state.settings), body_fingerprint
            )
            if request_id is not None:
                state.request_ids[("create_order", request_id)] = IdempotencyRecord(
                    "create_order", request_id, body_fingerprint, order.id, state.clock.now()
                )
            return json_response(order_json(state, order, full=_wants_representation()), 201)

    def show(order_id: str) -> Response:
        with state.lock:
            return json_response(order_json(state, find_order(state, order_id), full=True))

    def capture(order_id: str) -> Response:
        request_id = _request_id()
        with state.lock:
            order = find_order(state, order_id)
            if request_id is not None:
                earlier = state.remembered_request("capture_order", request_id)
                if earlier is not None:
                    if earlier.fingerprint != order_id:
                        raise unprocessable(
                            "PAYPAL_REQUEST_ID_PREVIOUSLY_USED", None, request_id, "header"
                        )
                    if earlier.error is not None:
                        replayed = dict(earlier.error, debug_id=debug_id())
                        return json_response(replayed, earlier.error_status or 422)
                    return json_response(order_json(state, order, full=_wants_representation()))
            try:
                deliveries = capture_order(state, order)
            except PayPalError as failure:
                if request_id is not None:
                    state.request_ids[("capture_order", request_id)] = IdempotencyRecord(
                        "capture_order",
                        request_id,
                        order_id,
                        order_id,
                        state.clock.now(),
                        error=failure.body(debug_id()),
                        error_status=failure.http_status,
                    )
                raise
            if request_id is not None:
                state.request_ids[("capture_order", request_id)] = IdempotencyRecord(
                    "capture_order", request_id, order_id, order_id, state.clock.now()
                )
            response = json_response(order_json(state, order, full=_wants_representation()), 201)
        pipeline.send(deliveries)
        return response

    def show_capture(capture_id: str) -> Response:
        with state.lock:
            capture = state.captures.get(capture_id)
            if capture is None:
                raise PayPalError("RESOURCE_NOT_FOUND")
            return json_response(capture_resource(state, capture))

    @blueprint.post("/v2/checkout/orders")
    def create_route() -> Response:
        return pipeline.run("create_order", create)

    @blueprint.get("/v2/checkout/orders/<order_id>")
    def show_route(order_id: str) -> Response:
        return pipeline.run("get_order", lambda: show(order_id))

    @blueprint.post("/v2/checkout/orders/<order_id>/capture")
    def capture_route(order_id: str) -> Response:
        return pipeline.run("capture_order", lambda: capture(order_id))

    @blueprint.get("/v2/payments/captures/<capture_id>")
    def show_capture_route(capture_id: str) -> Response:
        return pipeline.run("get_capture", lambda: show_capture(capture_id))

    return blueprint
