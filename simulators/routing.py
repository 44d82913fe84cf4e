"""Routes declared on the methods of a handler class, bound to a blueprint per app.

Flask's usual pattern, handlers nested in the blueprint factory and closing over the state, makes
the factory one function holding every handler's branches (McCabe 45 and more for an admin API).
Here each handler is a method of a class that holds the state, so each is its own function, and
the decorator keeps its path and method next to it:

    routes = Routes()

    class AdminApi:
        def __init__(self, state: SimulatorState) -> None:
            self.state = state

        @routes.post("/reset")
        def reset(self) -> Response: ...

    def create_admin_blueprint(state: SimulatorState) -> Blueprint:
        return routes.register(Blueprint("admin", __name__), AdminApi(state))

Endpoints are named after the method, as ``@blueprint.post`` names them after the function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint

Handler = TypeVar("Handler", bound=Callable[..., Any])


class Routes:
    """The (rule, method, handler name) declarations of one handler class, in declaration order."""

    def __init__(self) -> None:
        self._declared: list[tuple[str, str, str]] = []

    def route(self, rule: str, method: str) -> Callable[[Handler], Handler]:
        def declare(handler: Handler) -> Handler:
            self._declared.append((rule, method, handler.__name__))
            return handler

        return declare

    def get(self, rule: str) -> Callable[[Handler], Handler]:
        return self.route(rule, "GET")

    def post(self, rule: str) -> Callable[[Handler], Handler]:
        return self.route(rule, "POST")

    def delete(self, rule: str) -> Callable[[Handler], Handler]:
        return self.route(rule, "DELETE")

    def register(self, blueprint: Blueprint, handlers: object) -> Blueprint:
        """Add every declared route to ``blueprint``, served by the methods of ``handlers``."""
        for rule, method, name in self._declared:
            blueprint.add_url_rule(
                rule, endpoint=name, view_func=getattr(handlers, name), methods=[method]
            )
        return blueprint
