"""No stored log line carries a session id (issue 12, item 6).

The app side is checked over the whole run: ``tests/conftest.py`` captures every log line of
the suite and fails the run if one holds a registered secret or a session-id-shaped path
segment (``SESSION_ID_IN_PATH``). The platform side is the Terraform: request logs of paths
that carry a session id are not sampled at the load balancer and excluded before storage, and
plain HTTP is redirected to the root without repeating the path.
"""

from __future__ import annotations

import re

from functions.routes import ROUTES
from shared.orders.sessions import new_session_id
from shared.platform.http import SECURITY_HEADERS
from tests.infra.hcl import load_infra

SESSION_ID_IN_PATH = re.compile(r"/[A-Za-z0-9_-]{43}(?=[/?\"\s]|$)")
STATE = load_infra()


def test_the_pattern_finds_a_session_id_in_a_path() -> None:
    session_id = new_session_id()
    assert SESSION_ID_IN_PATH.search(f"GET /api/v1/tesla/session/{session_id}/select -> 200")
    assert SESSION_ID_IN_PATH.search(f'"url": "/api/v1/tesla/report/{session_id}"')
    assert not SESSION_ID_IN_PATH.search("GET /api/v1/tesla/session/{session_id}/select -> 200")


def test_session_paths_are_not_sampled_at_the_load_balancer() -> None:
    backend = STATE.resource("google_compute_backend_service", "api")
    (log_config,) = backend["log_config"]
    assert log_config["sample_rate"] == (
        '${strcontains(each.value.path, "{session_id}") ? 0.0 : 1.0}'
    )
    assert any("{session_id}" in route.path for route in ROUTES if route.public)


def test_platform_request_logs_of_session_urls_are_excluded() -> None:
    exclusion = STATE.resource("google_logging_project_exclusion", "session_id_urls")
    assert 'LOG_ID(\\"run.googleapis.com/requests\\")' in exclusion["filter"] or (
        'LOG_ID("run.googleapis.com/requests")' in exclusion["filter"]
    )
    assert "httpRequest.requestUrl=~" in exclusion["filter"]
    regex = STATE.locals["session_id_url_regex"].replace("\\\\", "\\")
    assert re.search(regex, f"https://api.example/api/v1/tesla/report/{new_session_id()}/pdf/1")


def test_plain_http_redirects_to_the_root_without_the_path() -> None:
    (redirect,) = STATE.resource("google_compute_url_map", "http_redirect")["default_url_redirect"]
    assert redirect["https_redirect"] is True
    assert redirect["path_redirect"] == "/" and redirect["strip_query"] is True


def test_every_answer_carries_hsts_and_nosniff(gateway) -> None:
    response = gateway.get("/api/v1/health")
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    missing = gateway.get(f"/api/v1/tesla/session/{new_session_id()}/vehicles")
    assert missing.status_code == 404
    assert missing.headers["X-Content-Type-Options"] == "nosniff"
