"""Orders v2: create, show and capture orders; show captures.

``PayPal-Request-Id`` makes create and capture idempotent for ``request_id_retention_seconds``:
a repeat answers 200 with the order as it is now (PayPal: "returns the latest status of the
earlier request"), or the earlier error again. ``Prefer: return=representation`` returns the
full order, otherwise the minimal one (id, status, links, and captures once captured).
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from simulators.routing import Routes

from .errors import PayPalError, unprocessable
from .lifecycle import capture_order, create_order, find_order, fingerprint
from .pipeline import Pipeline
from .representations import capture_resource, order_json
from .responses import debug_id, json_response, request_json
from .state import IdempotencyRecord, Order, SimulatorState
from .validation import validate_order_request


def _wants_representation() -> bool:
    return "return=representation" in request.headers.get("Prefer", "").replace(" ", "")


def _request_id() -> str | None:
    value = request.headers.get("PayPal-Request-Id", "").strip()
    return value or None


routes = Routes()


class OrdersApi:
    """Orders v2 of one simulator."""

    def __init__(self, state: SimulatorState, pipeline: Pipeline) -> None:
        self.state = state
        self.pipeline = pipeline

    def create(self) -> Response:
        state = self.state
        body = request_json()
        request_id = _request_id()
        body_fingerprint = fingerprint(body)
        with state.lock:
            if request_id is not None:
                repeated = self._repeated_create(request_id, body_fingerprint)
                if repeated is not None:
                    return repeated
            order = create_order(
                state, validate_order_request(body, state.settings), body_fingerprint
            )
            if request_id is not None:
                state.request_ids[("create_order", request_id)] = IdempotencyRecord(
                    "create_order", request_id, body_fingerprint, order.id, state.clock.now()
                )
            return json_response(order_json(state, order, full=_wants_representation()), 201)

    def _repeated_create(self, request_id: str, body_fingerprint: str) -> Response | None:
        """The answer to a create whose PayPal-Request-Id made an order before, if one did."""
        state = self.state
        earlier = state.remembered_request("create_order", request_id)
        if earlier is None or earlier.order_id is None:
            return None
        mismatch = earlier.fingerprint != body_fingerprint
        if mismatch and state.settings.idempotency_mismatch == "error":
            raise unprocessable("PAYPAL_REQUEST_ID_PREVIOUSLY_USED", None, request_id, "header")
        order = find_order(state, earlier.order_id)
        return json_response(order_json(state, order, full=_wants_representation()))

    def show(self, order_id: str) -> Response:
        with self.state.lock:
            order = find_order(self.state, order_id)
            return json_response(order_json(self.state, order, full=True))

    def capture(self, order_id: str) -> Response:
        state = self.state
        request_id = _request_id()
        with state.lock:
            order = find_order(state, order_id)
            if request_id is not None:
                repeated = self._repeated_capture(request_id, order)
                if repeated is not None:
                    return repeated
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
        self.pipeline.send(deliveries)
        return response

    def _repeated_capture(self, request_id: str, order: Order) -> Response | None:
        """The answer to a capture whose PayPal-Request-Id was seen before: the order as it is
        now, or the earlier error again."""
        earlier = self.state.remembered_request("capture_order", request_id)
        if earlier is None:
            return None
        if earlier.fingerprint != order.id:
            raise unprocessable("PAYPAL_REQUEST_ID_PREVIOUSLY_USED", None, request_id, "header")
        if earlier.error is not None:
            replayed = dict(earlier.error, debug_id=debug_id())
            return json_response(replayed, earlier.error_status or 422)
        return json_response(order_json(self.state, order, full=_wants_representation()))

    def show_capture(self, capture_id: str) -> Response:
        with self.state.lock:
            capture = self.state.captures.get(capture_id)
            if capture is None:
                raise PayPalError("RESOURCE_NOT_FOUND")
            return json_response(capture_resource(self.state, capture))

    @routes.post("/v2/checkout/orders")
    def create_route(self) -> Response:
        return self.pipeline.run("create_order", self.create)

    @routes.get("/v2/checkout/orders/<order_id>")
    def show_route(self, order_id: str) -> Response:
        return self.pipeline.run("get_order", lambda: self.show(order_id))

    @routes.post("/v2/checkout/orders/<order_id>/capture")
    def capture_route(self, order_id: str) -> Response:
        return self.pipeline.run("capture_order", lambda: self.capture(order_id))

    @routes.get("/v2/payments/captures/<capture_id>")
    def show_capture_route(self, capture_id: str) -> Response:
        return self.pipeline.run("get_capture", lambda: self.show_capture(capture_id))


def create_orders_blueprint(state: SimulatorState, pipeline: Pipeline) -> Blueprint:
    return routes.register(Blueprint("paypal_orders", __name__), OrdersApi(state, pipeline))
