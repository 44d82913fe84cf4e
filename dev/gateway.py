"""Every function behind one port, the way the public entry serves them in the cloud.

Dev only, never deployed. Each route of the table gets its own functions-framework app built from
``main.py`` exactly as the buildpack builds it (``create_app(target, source)``); requests are
dispatched by method and path template and reach the function with the full original path
(``/api/v1/...``), as the cloud entry forwards them. The gateway also serves the OpenAPI
document at ``/api/v1/openapi.json``.

Each function runs with the environment its deploy gives it, not the whole process's: in the
cloud every function is its own process with its own variables (``dev.deploy_plan``:
Terraform's, the deploy command's and its secrets). Here all of them share one process, so the
gateway builds each function's settings from only the ``CPT_*`` variables the deploy sets for
it, plus those no deploy sets (emulator addresses, local seed data, test knobs: in the cloud
these are at their defaults). A variable the deploy gives other functions only is not seen, so
a function that needs one it is not deployed with fails here as it would in the cloud. Secrets
are then blanked per route as deployed (``shared.platform.http.with_route_secrets``);
``CPT_LOCAL_ROUTE_SECRETS_ONLY=false`` switches both off to debug.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from functions_framework import create_app
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource
from werkzeug.wrappers import Request, Response

from dev import deploy_plan
from functions.routes import API_PREFIX, ROUTES
from shared.platform import http
from shared.platform.openapi import build_openapi
from shared.platform.routing import Route
from shared.platform.settings import Settings, get_settings

REPO_ROOT = Path(__file__).resolve().parent.parent
ENTRY_MODULE = REPO_ROOT / "main.py"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
EnvNames = Callable[[Route], frozenset[str]]

# The settings of the function the current request was dispatched to (one per thread/request).
_function_settings: ContextVar[Settings | None] = ContextVar("cpt_function_settings", default=None)
_built_env: ContextVar[Mapping[str, str] | None] = ContextVar("cpt_built_env", default=None)


def _settings_of_this_function() -> Settings:
    """What ``shared.platform.http`` reads as "the process's settings" behind the gateway."""
    return _function_settings.get() or get_settings()


class _FunctionSettings(Settings):
    """Settings read from a given environment instead of the process's."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        source = EnvSettingsSource(settings_cls)
        env = _built_env.get() or {}
        source.env_vars = {name.lower(): value for name, value in env.items()}
        return init_settings, source


def settings_from(env: Mapping[str, str]) -> Settings:
    """Settings as a process with exactly ``env`` as its environment would read them."""
    token = _built_env.set(dict(env))
    try:
        return _FunctionSettings()
    finally:
        _built_env.reset(token)


def function_environment(
    route: Route,
    environ: Mapping[str, str],
    env_names: EnvNames = deploy_plan.function_env_names,
    deployed: frozenset[str] | None = None,
) -> dict[str, str]:
    """The ``CPT_*`` variables of ``environ`` the function of ``route`` sees: those its deploy
    sets, and those no deploy sets (local plumbing; defaults in the cloud)."""
    own = env_names(route)
    everywhere = deployed if deployed is not None else deploy_plan.deployed_env_names()
    return {
        name: value
        for name, value in environ.items()
        if name.startswith("CPT_") and (name in own or name not in everywhere)
    }


class Gateway:
    """A WSGI app that routes ``/api/v1/...`` to one functions-framework app per target."""

    def __init__(
        self,
        routes: tuple[Route, ...] = ROUTES,
        include_internal: bool = True,
        env_names: EnvNames = deploy_plan.function_env_names,
    ) -> None:
        self.routes = [r for r in routes if r.public or include_internal]
        self.apps: dict[str, WSGIApp] = {
            route.target: create_app(route.target, str(ENTRY_MODULE)) for route in self.routes
        }
        self.env_names = env_names
        self.deployed = frozenset().union(*(env_names(route) for route in ROUTES))
        self._settings: dict[tuple[str, frozenset[tuple[str, str]]], Settings] = {}
        # One process stands in for one per function: the HTTP layer asks for "the process's
        # settings" and gets the dispatched function's.
        http.use_settings_source(_settings_of_this_function)

    def settings_for(self, route: Route) -> Settings | None:
        """The function's own settings, or None to use the process's (profile switched off)."""
        process = get_settings()
        if process.environment != "local" or not process.local_route_secrets_only:
            return None
        env = function_environment(route, os.environ, self.env_names, self.deployed)
        key = (route.target, frozenset(env.items()))
        if key not in self._settings:
            self._settings[key] = settings_from(env)
        return self._settings[key]

    def _dispatch(self, route: Route, environ: dict[str, Any], start_response: Any) -> Any:
        token = _function_settings.set(self.settings_for(route))
        try:
            return self.apps[route.target](environ, start_response)
        finally:
            _function_settings.reset(token)

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
        return self._dispatch(chosen, environ, start_response)


def _routable(path: str, route: Route) -> bool:
    # A control character (``%0A``…) is in no path we serve; the public entry refuses it too.
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        return False
    return bool(route.full_path_pattern.match(path))


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")
