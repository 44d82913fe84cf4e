"""Every function behind one port, the way the public entry serves them in the cloud.

Dev only, never deployed. Each route of the table gets its own functions-framework app built from
``main.py`` exactly as the buildpack builds it (``create_app(target, source)``); requests are
dispatched by method and path template and reach the function with the full original path
(``/api/v1/...``), as the cloud entry forwards them. The gateway also serves the OpenAPI
document at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from functions_framework import create_app
from werkzeug.wrappers import Request, Response

from functions.routes import API_PREFIX, ROUTES
from shared.platform.openapi import build_openapi
from shared.platform.routing import Route

REPO_ROOT = Path(__file__).resolve().parent.parent
ENTRY_MODULE = REPO_ROOT / "main.py"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Gateway:
    """A WSGI app that routes ``/api/v1/...`` to one functions-framework app per target."""

    def __init__(self, routes: tuple[Route, ...] = ROUTES, include_internal: bool = True) -> None:
        self.routes = [r for r in routes if r.public or include_internal]
        self.apps: dict[str, WSGIApp] = {
            route.target: create_app(route.target, str(ENTRY_MODULE)) for route in self.routes
        }

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        if request.path == f"{API_PREFIX}/openapi.json":
            server = request.host_url.rstrip("/")
            return _json(build_openapi(ROUTES, server_url=server), 200)(environ, start_response)
        matching = [r for r in self.routes if _routable(request.path, r)]
        if not matching:
            # Never echo the path: it may hold a session id (a bearer token).
            body = {"error": {"code": "not_found", "message": "No such resource."}}
            return _json(body, 404)(environ, start_response)
        wanted = "GET" if request.method == "HEAD" else request.method
        chosen = next((r for r in matching if r.method == wanted), None)
        if chosen is None and request.method == "OPTIONS":
            chosen = matching[0]  # the function answers its own CORS preflight
        if chosen is None:
            allowed = sorted({r.method for r in matching} | {"OPTIONS"})
            body = {
                "error": {
                    "code": "method_not_allowed",
                    "message": f"{request.method} is not allowed here",
                    "allowed": allowed,
                }
            }
            response = _json(body, 405)
            response.headers["Allow"] = ", ".join(allowed)
            return response(environ, start_response)
        return self.apps[chosen.target](environ, start_response)


def _routable(path: str, route: Route) -> bool:
    # A control character (``%0A``…) is in no path we serve; the public entry refuses it too.
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        return False
    return bool(route.full_path_pattern.match(path))


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")
