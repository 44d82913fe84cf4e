"""Helpers to drive the connect flow the way a browser does: WUI → API → Tesla → API → WUI."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from werkzeug.test import Client

from tests.fixtures.tesla_sim import TeslaSimulator


@dataclass
class ConnectResult:
    wui_location: str
    params: dict[str, str]

    @property
    def session_id(self) -> str | None:
        return self.params.get("session_id")

    @property
    def reason(self) -> str | None:
        return self.params.get("reason")


class Browser:
    """Follows the OAuth redirects between the gateway and the Tesla simulator."""

    def __init__(self, gateway: Client, tesla: TeslaSimulator, ledger) -> None:
        self.gateway = gateway
        self.tesla = tesla
        self.ledger = ledger

    def initiate(self, **body: object) -> str:
        response = self.gateway.post(
            "/api/v1/tesla/oauth/initiate", json={"brand": "tesla", **body}
        )
        assert response.status_code == 200, response.json
        return response.json["authUrl"]

    def consent(self, auth_url: str, account: str, *, decline: bool = False) -> str:
        """The simulator's headless consent; returns the callback URL Tesla redirects to."""
        extra = {"login_hint": account, **({"sim_decision": "deny"} if decline else {})}
        response = requests.get(auth_url, params=extra, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def callback(self, callback_url: str) -> ConnectResult:
        parts = urlsplit(callback_url)
        response = self.gateway.get(f"{parts.path}?{parts.query}")
        assert response.status_code == 302, response.get_data(as_text=True)
        location = response.headers["Location"]
        params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        self.ledger.add(params.get("session_id"))
        return ConnectResult(location, params)

    def connect(self, account: str = "solo", **body: object) -> ConnectResult:
        return self.callback(self.consent(self.initiate(**body), account))


@pytest.fixture
def browser(gateway, tesla, firestore_db, seen_secrets) -> Browser:
    return Browser(gateway, tesla, seen_secrets)
