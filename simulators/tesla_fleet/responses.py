"""Tesla-shaped HTTP responses: JSON envelopes, error bodies with txid, base URLs per region."""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Response, g, request

from .config import SimulatorConfig

REGIONS: tuple[str, ...] = ("eu", "na", "cn")
TESLA_BASE_URLS: dict[str, str] = {
    "na": "https://fleet-api.prd.na.vn.cloud.tesla.com",
    "eu": "https://fleet-api.prd.eu.vn.cloud.tesla.com",
    "cn": "https://fleet-api.prd.cn.vn.cloud.tesla.cn",
}


def root_url(config: SimulatorConfig) -> str:
    """Simulator root as the caller sees it, so base URLs work on any host and port."""
    if config.public_url:
        return config.public_url.rstrip("/")
    return request.host_url.rstrip("/")


def regional_base_url(config: SimulatorConfig, region: str) -> str:
    return f"{root_url(config)}/{region}"


def txid() -> str:
    """One transaction id per request, sent as x-txid and inside error bodies."""
    if "txid" not in g:
        g.txid = uuid.uuid4().hex
    return str(g.txid)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers["x-txid"] = txid()
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def fleet_error(
    status: int, error: str, description: str = "", headers: dict[str, str] | None = None
) -> Response:
    """Fleet API error envelope: response null, short error, long description, txid."""
    body = {"response": None, "error": error, "error_description": description, "txid": txid()}
    return json_response(body, status, headers)


def region_from_audience(audience: str, config: SimulatorConfig) -> str | None:
    """Map an ``audience`` (simulator base URL or a real Tesla base URL) to a region."""
    cleaned = audience.rstrip("/")
    for region, tesla_url in TESLA_BASE_URLS.items():
        if cleaned == tesla_url or cleaned.endswith(f"/{region}"):
            return region
    return None
