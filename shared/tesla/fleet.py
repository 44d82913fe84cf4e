"""The Fleet API client: regional hosts, Tesla's envelopes and error semantics.

One client acts for one user token in one region. A 421 ("user out of region, use base URL: …")
moves the client to the region it names and retries once — but only to a host built from our
configured template, so a response can never send a user's token elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import requests

from shared.platform.settings import Settings
from shared.tesla.errors import TeslaApiError, TeslaUnavailable

REGIONS = ("na", "eu", "cn")
_OUT_OF_REGION = re.compile(r"use base URL:\s*(https?://[^\s,\"]+)")
VEHICLES_PAGE_SIZE = 100
MAX_VEHICLE_PAGES = 50  # 5,000 cars: far beyond any account we serve; stops a looping pager


def region_base_url(settings: Settings, region: str) -> str:
    return settings.tesla_fleet_url_template.format(region=region).rstrip("/")


def region_of_base_url(settings: Settings, url: str) -> str | None:
    """The region whose configured host is ``url``; None for any host we don't know."""
    cleaned = url.rstrip("/")
    return next((r for r in REGIONS if region_base_url(settings, r) == cleaned), None)


class FleetClient:
    def __init__(
        self, settings: Settings, http: requests.Session, *, access_token: str, region: str
    ) -> None:
        self._settings = settings
        self._http = http
        self._access_token = access_token
        self.region = region

    @property
    def base_url(self) -> str:
        return region_base_url(self._settings, self.region)

    def user_region(self) -> str:
        """The account's region per ``/api/1/users/region`` (moving to it if needed)."""
        body = self.get("/api/1/users/region")
        payload = body.get("response", body) if isinstance(body, dict) else {}
        reported = payload.get("region") if isinstance(payload, dict) else None
        if isinstance(reported, str) and reported.lower() in REGIONS:
            self.region = reported.lower()
        return self.region

    def list_vehicles(self) -> list[dict[str, Any]]:
        """Every vehicle on the account, all pages. Never wakes a car."""
        return list(self._vehicle_pages())

    def _vehicle_pages(self) -> Iterator[dict[str, Any]]:
        for page in range(1, MAX_VEHICLE_PAGES + 1):
            body = self.get(
                "/api/1/vehicles", params={"page": page, "per_page": VEHICLES_PAGE_SIZE}
            )
            items = body.get("response") if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise TeslaUnavailable("vehicle list without a response array")
            yield from (item for item in items if isinstance(item, dict))
            pagination = body.get("pagination") or {}
            if not pagination.get("next") or len(items) < VEHICLES_PAGE_SIZE:
                return

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self._request("GET", path, params=params)

    def post(self, path: str, json: dict[str, Any] | None = None) -> Any:
        return self._request("POST", path, json=json)

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._send(method, path, **kwargs)
        if response.status_code == 421:
            moved_to = self._region_named_in(response)
            if moved_to and moved_to != self.region:
                self.region = moved_to
                response = self._send(method, path, **kwargs)
        return self._unpack(response)

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            return self._http.request(
                method,
                f"{self.base_url}{path}",
                headers={"Authorization": f"Bearer {self._access_token}"},
                timeout=self._settings.tesla_timeout_s,
                **kwargs,
            )
        except requests.RequestException as error:
            raise TeslaUnavailable(f"Fleet API unreachable: {type(error).__name__}") from None

    def _region_named_in(self, response: requests.Response) -> str | None:
        match = _OUT_OF_REGION.search(response.text)
        return region_of_base_url(self._settings, match.group(1)) if match else None

    @staticmethod
    def _unpack(response: requests.Response) -> Any:
        status = response.status_code
        if status >= 500:
            raise TeslaUnavailable(f"Fleet API answered {status}", status=status)
        try:
            body = response.json()
        except ValueError:
            body = None
        if status >= 400:
            error = body.get("error") if isinstance(body, dict) else None
            retry_after = response.headers.get("Retry-After", "")
            raise TeslaApiError(
                status,
                str(error or "unknown error")[:200],
                int(retry_after) if retry_after.isdigit() else None,
            )
        if body is None:
            raise TeslaUnavailable("Fleet API answered a body that is not JSON")
        return body
