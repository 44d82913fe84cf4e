"""Every path under the API prefix answers in the JSON error shape — never Werkzeug's HTML.

Hostile paths (control characters, encoded slashes, invalid UTF-8) and methods a route does not
have are swept through the local gateway (as the WUI reaches the API) and through each function
called directly at its own URL (as the cloud runs it). None may answer 5xx, HTML, or echo the path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask.testing import FlaskClient
from werkzeug.test import Client, TestResponse

from functions.routes import API_PREFIX, ROUTES, Route

HOSTILE_SEGMENTS = (
    "abc%0A",  # newline: no functions-framework URL rule matches it
    "%0D%0Aset-cookie:x",
    "%00",
    "%7F",
    "%1B[31m",
    "a%2Fb",  # an encoded slash: decoded into another path
    "%FF%FE",  # invalid UTF-8
    "%C3%28",
    "..%2F..%2Fetc%2Fpasswd",
    "x" * 300,
)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _hostile_paths(route: Route) -> Iterator[str]:
    for segment in HOSTILE_SEGMENTS:
        path = route.path
        if route.path_params:
            for param in route.path_params:
                path = path.replace("{" + param + "}", segment)
        else:
            path = f"{path}/{segment}"
        yield path


def _assert_json_error(response: TestResponse, what: str, segment: str | None = None) -> None:
    assert response.status_code < 500, what
    assert response.mimetype == "application/json", f"{what}: {response.mimetype}"
    body = response.get_json()
    assert isinstance(body, dict) and "code" in body.get("error", {}), what
    if segment is not None:
        assert segment not in response.get_data(as_text=True), f"{what} echoes the path"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.target)
def test_hostile_paths_through_the_gateway(gateway: Client, route: Route) -> None:
    for path in _hostile_paths(route):
        response = gateway.open(API_PREFIX + path, method=route.method)
        if response.status_code < 400:
            continue  # e.g. a segment that happens to be a valid value for a public GET
        _assert_json_error(response, f"{route.method} {path}", segment=None)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.target)
def test_hostile_paths_on_the_function_url(
    function_client: Callable[[str], FlaskClient], route: Route
) -> None:
    client = function_client(route.target)
    for path in _hostile_paths(route):
        response = client.open(path, method=route.method)
        if response.status_code < 400:
            continue
        _assert_json_error(response, f"{route.target}: {route.method} {path}")


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.target)
def test_methods_the_route_does_not_have(
    gateway: Client, function_client: Callable[[str], FlaskClient], route: Route
) -> None:
    path = route.path
    for param in route.path_params:
        path = path.replace("{" + param + "}", "probe")
    direct = function_client(route.target)
    for method in METHODS:
        if method == route.method or (method == "GET" and route.method == "HEAD"):
            continue
        through_gateway = gateway.open(API_PREFIX + path, method=method)
        assert through_gateway.status_code == 405, f"gateway {method} {path}"
        _assert_json_error(through_gateway, f"gateway {method} {path}")
        assert method not in through_gateway.headers["Allow"]
        at_function = direct.open(path, method=method)
        assert at_function.status_code == 405, f"{route.target} {method}"
        _assert_json_error(at_function, f"{route.target} {method} {path}")


def test_unknown_paths_under_the_prefix(gateway: Client) -> None:
    for path in ("/nope", "/tesla", "/tesla/session", "/internal", "/%0A", "/a%2Fb", "/%FF"):
        response = gateway.get(API_PREFIX + path)
        assert response.status_code == 404, path
        _assert_json_error(response, path, segment=path.strip("/") or None)
