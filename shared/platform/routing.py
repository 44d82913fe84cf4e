"""The route model: what one Cloud Function serves and how it is deployed.

The table of routes itself is the entry layer's (``functions/routes.py``); the library's HTTP
plumbing, OpenAPI builder and the dev tooling take ``Route`` objects from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from pydantic import BaseModel

API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class Route:
    target: str  # the entry point's name in its module, and the function's name in the cloud
    method: str
    path: str
    module: str  # dotted module holding the entry point; imported only when that target runs
    summary: str
    tag: str
    request_model: type[BaseModel] | None = None  # JSON body
    query_model: type[BaseModel] | None = None
    response_model: type[BaseModel] | None = None
    success_status: int = 200
    error_statuses: tuple[int, ...] = (422,)
    public: bool = True  # False: internal targets (Cloud Tasks workers), not on the public entry
    cache_control: str = "no-store"
    # Deploy settings (Cloud Functions 2nd gen).
    memory: str = "256Mi"
    timeout_s: int = 60
    max_instances: int = 10
    secrets: tuple[str, ...] = field(default=())  # settings fields injected via --set-secrets

    @property
    def full_path(self) -> str:
        return API_PREFIX + self.path

    @property
    def function_name(self) -> str:
        """The Cloud Function's name: the target in kebab case (``tesla-oauth-initiate``)."""
        return self.target.replace("_", "-")

    @cached_property
    def path_params(self) -> tuple[str, ...]:
        return tuple(re.findall(r"\{(\w+)\}", self.path))

    @cached_property
    def path_pattern(self) -> re.Pattern[str]:
        """Matches the route's path at the end of a request path, capturing its parameters.

        Anchored at the end only, so it matches both ``/api/v1/x/{id}`` (through the gateway)
        and ``/x/{id}`` (calling the function's own URL).
        """
        return re.compile(rf"(?:^|/){_template_regex(self.path).lstrip('/')}/?$")

    @cached_property
    def full_path_pattern(self) -> re.Pattern[str]:
        """Matches exactly the public path ``/api/v1/...`` (what the gateway routes on)."""
        return re.compile(rf"^{_template_regex(self.full_path)}/?$")


def _template_regex(path: str) -> str:
    """``/x/{id}`` → a regex with one named group per parameter; nothing else is special."""
    return re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
