"""PayPal-shaped HTTP responses: JSON bodies, ``Paypal-Debug-Id`` headers, HATEOAS links."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, g, has_request_context, request

from .errors import PayPalError
from .ids import debug_id as new_debug_id
from .state import SimulatorState


def root_url(state: SimulatorState) -> str:
    """Simulator root as the caller sees it, so links work on any host and port."""
    if state.settings.public_url:
        return state.settings.public_url.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return state.last_root_url


def debug_id() -> str:
    """One debug id per request, sent as Paypal-Debug-Id and inside error bodies."""
    if not has_request_context():
        return new_debug_id()
    if "paypal_debug_id" not in g:
        g.paypal_debug_id = new_debug_id()
    return str(g.paypal_debug_id)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers["Paypal-Debug-Id"] = debug_id()
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_response(error: PayPalError, *, v1: bool = False) -> Response:
    return json_response(error.body(debug_id(), v1=v1), error.http_status)


def link(href: str, rel: str, method: str = "GET") -> dict[str, str]:
    return {"href": href, "rel": rel, "method": method}


def request_json() -> dict[str, Any]:
    """The JSON body, or PayPal's MALFORMED_REQUEST_JSON error."""
    from .errors import invalid_request

    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise invalid_request("MALFORMED_REQUEST_JSON", None)
    return body
