"""GET /api/v1/health against the real Firestore emulator."""

from __future__ import annotations


def test_health_reads_firestore_through_the_gateway(gateway, firestore_db):
    response = gateway.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json
    assert body["status"] == "ok"
    assert body["environment"] == "local"
    assert body["checks"]["firestore"]["ok"] is True


def test_health_as_deployed_function(function_client, firestore_db):
    response = function_client("health").get("/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_health_reports_unreachable_firestore_as_503(function_client, monkeypatch):
    from shared.platform.clients import reset_clients

    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:9")  # nothing listens there
    reset_clients()
    try:
        response = function_client("health").get("/api/v1/health")
    finally:
        monkeypatch.undo()
        reset_clients()
    assert response.status_code == 503
    assert response.json["error"]["code"] == "upstream_unavailable"


def test_gateway_answers_unknown_paths_and_methods_in_the_error_shape(gateway):
    missing = gateway.get("/api/v1/no/such/thing")
    assert missing.status_code == 404
    assert missing.json["error"]["code"] == "not_found"
    wrong = gateway.delete("/api/v1/health")
    assert wrong.status_code == 405
    assert wrong.headers["Allow"] == "GET, OPTIONS"


def test_gateway_serves_the_openapi_document(gateway):
    response = gateway.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json["openapi"] == "3.1.0"
    assert "/api/v1/health" in response.json["paths"]
