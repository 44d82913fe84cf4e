"""The plumbing every function shares, exercised through real HTTP requests to a Flask app."""

from __future__ import annotations

import io
import json

import flask
import pytest
from pydantic import Field

from shared.platform import errors
from shared.platform.api_models import RequestModel, ResponseModel
from shared.platform.http import Call, endpoint
from shared.platform.routing import Route
from shared.platform.settings import get_settings

WUI = "http://127.0.0.1:5173"


class EchoBody(RequestModel):
    name: str = Field(min_length=1, max_length=20)
    count: int = Field(ge=1, le=10)


class EchoQuery(RequestModel):
    verbose: bool = False


class EchoResponse(ResponseModel):
    name: str
    count: int
    item_id: str
    verbose: bool


ECHO = Route(
    target="echo",
    method="POST",
    path="/things/{item_id}/echo",
    module="tests",
    summary="",
    tag="test",
    request_model=EchoBody,
    query_model=EchoQuery,
    response_model=EchoResponse,
)
BOOM = Route(target="boom", method="GET", path="/boom", module="tests", summary="", tag="test")


def echo(call: Call) -> EchoResponse:
    if call.body.name == "taken":
        raise errors.Conflict("That name is taken.", current_status="vehicles_selected")
    return EchoResponse(
        name=call.body.name,
        count=call.body.count,
        item_id=call.path_params["item_id"],
        verbose=call.query.verbose,
    )


def boom(call: Call) -> EchoResponse:
    raise RuntimeError("db password=hunter2 access_token=eyJhbGciOi.eyJzdWIiOi.sig")


def _app(route: Route, handler) -> flask.Flask:
    """A Flask app wired the way functions-framework wires an HTTP function: every path."""
    app = flask.Flask(__name__)
    entry = endpoint(route)(handler)
    view = lambda path="": entry(flask.request)  # noqa: E731
    app.add_url_rule(
        "/",
        "run",
        view,
        defaults={"path": ""},
        methods=["GET", "POST", "PUT", "OPTIONS", "DELETE", "PATCH"],
    )
    app.add_url_rule(
        "/<path:path>",
        "run_path",
        view,
        methods=["GET", "POST", "PUT", "OPTIONS", "DELETE", "PATCH"],
    )
    return app


@pytest.fixture
def client():
    get_settings.cache_clear()
    return _app(ECHO, echo).test_client()


def test_valid_request_reaches_handler_with_path_and_query(client):
    response = client.post(
        "/api/v1/things/abc/echo?verbose=true", json={"name": " Ada ", "count": 3}
    )
    assert response.status_code == 200
    assert response.json == {"name": "Ada", "count": 3, "item_id": "abc", "verbose": True}
    assert response.headers["Cache-Control"] == "no-store"
    assert len(response.headers["X-Request-Id"]) == 32


def test_function_url_without_prefix_also_matches(client):
    assert client.post("/things/abc/echo", json={"name": "a", "count": 1}).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "a"}, "count"),
        ({"name": "a", "count": 0}, "count"),
        ({"name": "", "count": 1}, "name"),
        ({"name": "a", "count": 1, "amount": 100}, "amount"),
        ({"name": ["a"], "count": 1}, "name"),
    ],
)
def test_invalid_body_is_422_naming_the_field(client, body, field):
    response = client.post("/api/v1/things/x/echo", json=body)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_failed"
    assert error["field"] == field
    assert field in error["message"]
    assert error["request_id"] == response.headers["X-Request-Id"]


def test_unknown_field_says_so(client):
    response = client.post("/api/v1/things/x/echo", json={"name": "a", "count": 1, "amount": 5})
    assert response.json["error"]["fields"] == [
        {"field": "amount", "problem": "is not an allowed field"}
    ]


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe"])
def test_malformed_json_is_422_on_body(client, raw):
    response = client.post("/api/v1/things/x/echo", data=raw, content_type="application/json")
    assert response.status_code == 422
    assert response.json["error"]["field"] == "body"


def test_bad_query_parameter_is_422(client):
    response = client.post("/api/v1/things/x/echo?verbose=maybe", json={"name": "a", "count": 1})
    assert response.status_code == 422
    assert response.json["error"]["field"] == "verbose"


def test_oversize_body_is_413(client):
    big = {"name": "a" * (get_settings().max_request_bytes + 10), "count": 1}
    response = client.post("/api/v1/things/x/echo", json=big)
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"


def test_oversize_body_without_content_length_is_413(client):
    # 160 KiB streamed (chunked), so no Content-Length tells the size up front.
    response = client.post(
        "/api/v1/things/x/echo",
        input_stream=io.BytesIO(b"x" * 160 * 1024),
        content_type="application/json",
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413


def test_wrong_method_is_405_with_allow(client):
    response = client.get("/api/v1/things/x/echo")
    assert response.status_code == 405
    assert response.headers["Allow"] == "OPTIONS, POST"
    assert response.json["error"]["code"] == "method_not_allowed"


def test_unknown_path_is_404(client):
    response = client.post("/api/v1/other", json={})
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_domain_conflict_carries_current_status(client):
    response = client.post("/api/v1/things/x/echo", json={"name": "taken", "count": 1})
    assert response.status_code == 409
    assert response.json["error"]["status"] == "vehicles_selected"


def test_unexpected_exception_is_bare_500_and_logged_redacted(capsys):
    client = _app(BOOM, boom).test_client()
    response = client.get("/api/v1/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert response.json["error"]["code"] == "internal"
    for leak in ("hunter2", "Traceback", "RuntimeError", "eyJ"):
        assert leak not in body
    logged = capsys.readouterr().out
    assert "RuntimeError" in logged  # the operator sees what failed ...
    assert "hunter2" not in logged and "eyJhbGciOi" not in logged  # ... but never the secrets


def test_cors_allows_only_the_wui_origin(client):
    allowed = client.post(
        "/api/v1/things/x/echo", json={"name": "a", "count": 1}, headers={"Origin": WUI}
    )
    assert allowed.headers["Access-Control-Allow-Origin"] == WUI
    assert allowed.headers["Vary"] == "Origin"
    foreign = client.post(
        "/api/v1/things/x/echo",
        json={"name": "a", "count": 1},
        headers={"Origin": "https://evil.example"},
    )
    assert "Access-Control-Allow-Origin" not in foreign.headers


def test_cors_preflight(client):
    response = client.options(
        "/api/v1/things/x/echo",
        headers={"Origin": WUI, "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]
    refused = client.options("/api/v1/things/x/echo", headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "forbidden"


def test_trace_and_request_id_reach_every_log_line(client, capsys):
    headers = {
        "X-Cloud-Trace-Context": "105445aa7843bc8bf206b12000100000/1;o=1",
        "X-Request-Id": "req-12345678",
    }
    response = client.post("/api/v1/things/x/echo", json={"name": "a", "count": 1}, headers=headers)
    assert response.headers["X-Request-Id"] == "req-12345678"
    lines = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    access = [line for line in lines if line["message"].startswith("POST")]
    assert access, lines
    assert access[-1]["logging.googleapis.com/trace"] == (
        f"projects/{get_settings().project_id}/traces/105445aa7843bc8bf206b12000100000"
    )
    assert access[-1]["logging.googleapis.com/spanId"] == "1"
    assert access[-1]["request_id"] == "req-12345678"
    assert access[-1]["severity"] == "INFO"


HOSTILE_ID = 'abc"} {"severity":"ERROR'


def test_hostile_request_id_is_replaced(client):
    response = client.post(
        "/api/v1/things/x/echo",
        json={"name": "a", "count": 1},
        headers={"X-Request-Id": HOSTILE_ID},
    )
    assert response.headers["X-Request-Id"] != HOSTILE_ID
    assert response.headers["X-Request-Id"].isalnum()


def test_access_log_never_contains_the_raw_path(client, capsys):
    secret_id = "Zm9vYmFyYmF6c2Vzc2lvbmlkMTIzNDU2Nzg5MA"
    client.post(f"/api/v1/things/{secret_id}/echo", json={"name": "a", "count": 1})
    assert secret_id not in capsys.readouterr().out
