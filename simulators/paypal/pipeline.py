"""The path every REST call takes: injected fault → Bearer check → handler → error rendering.

Faults come first, like an upstream failure in front of PayPal. A fault marked ``after`` lets the
handler run (the order really is created or captured) and then replaces the response.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Response

from .auth import InvalidToken, require_bearer
from .errors import PayPalError
from .events import DeliveryWorker, dispatch, due_retries
from .faults import FaultRule
from .lifecycle import expire_orders
from .responses import error_response, json_response
from .state import Delivery, SimulatorState


def injected_error(rule: FaultRule, *, v1: bool) -> Response:
    error = PayPalError(rule.error_name, status=rule.status)
    headers = {"Retry-After": "1"} if rule.status in (429, 503) else None
    response = error_response(error, v1=v1)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class Pipeline:
    def __init__(self, state: SimulatorState, worker: DeliveryWorker) -> None:
        self.state = state
        self.worker = worker

    def housekeeping(self) -> None:
        """Lazy time-based work: expire orders, send webhook retries that fell due."""
        with self.state.lock:
            deliveries = expire_orders(self.state) + due_retries(self.state)
        dispatch(self.state, self.worker, deliveries)

    def run(
        self,
        endpoint: str,
        handler: Callable[[], Response],
        *,
        v1: bool = False,
        authenticated: bool = True,
    ) -> Response:
        outcome = self.state.faults.evaluate(endpoint)
        if outcome.latency_seconds:
            time.sleep(outcome.latency_seconds)  # outside the lock: other calls keep flowing
        rule = outcome.failing_rule
        if rule is not None and not rule.after:
            return injected_error(rule, v1=v1)
        try:
            if authenticated:
                require_bearer(self.state)
            response = handler()
        except InvalidToken as failure:
            response = json_response(
                {"error": "invalid_token", "error_description": failure.description}, 401
            )
        except PayPalError as failure:
            response = error_response(failure, v1=v1)
        if rule is not None:
            return injected_error(rule, v1=v1)
        return response

    def send(self, deliveries: list[Delivery]) -> None:
        dispatch(self.state, self.worker, deliveries)
