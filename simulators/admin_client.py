"""The admin calls every simulator answers (``/admin/...``), for tests and benchmarks."""

from __future__ import annotations

from typing import Any

import requests


class AdminClient:
    """Mixed into a simulator handle that has ``url`` (its root) and ``http`` (a Session)."""

    url: str
    http: requests.Session

    def admin(
        self, path: str, json: dict[str, Any] | None = None, method: str | None = None
    ) -> Any:
        """Call /admin/{path}: POST when a body is given, GET otherwise; returns parsed JSON."""
        verb = method or ("POST" if json is not None else "GET")
        response = self.http.request(
            verb, f"{self.url}/admin/{path.lstrip('/')}", json=json, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self.admin("reset", {})

    def advance(self, seconds: float) -> float:
        return float(self.admin("clock", {"advance_seconds": seconds})["now"])
