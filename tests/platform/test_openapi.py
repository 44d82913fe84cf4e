"""The OpenAPI document: generated from the route table, and docs/openapi.json kept in sync."""

from __future__ import annotations

from pathlib import Path

from dev.openapi import render
from functions.routes import ROUTES
from shared.platform.openapi import build_openapi

CHECKED_IN = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_checked_in_document_matches_the_code():
    assert CHECKED_IN.read_text() == render(), "run `make openapi` and commit docs/openapi.json"


def test_every_public_route_is_documented_with_its_models():
    document = build_openapi(ROUTES)
    assert document["openapi"] == "3.1.0"
    schemas = document["components"]["schemas"]
    for route in ROUTES:
        operation = document["paths"].get(route.full_path, {}).get(route.method.lower())
        if not route.public:
            assert operation is None
            continue
        assert operation["operationId"] == route.target
        assert str(route.success_status) in operation["responses"]
        assert "500" in operation["responses"]
        for param in route.path_params:
            assert {
                "name": param,
                "in": "path",
                "required": True,
                "schema": {"type": "string"},
            } in operation["parameters"]
        if route.request_model:
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            assert ref.rsplit("/", 1)[1] in schemas
    assert "ErrorResponse" in schemas
