"""The OpenAPI 3.1 document of the public API, generated from the route table and its models.

``docs/openapi.json`` is this document checked in (the WUI's contract); a test fails when the
code and the file differ, and ``make openapi`` rewrites the file.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from shared.platform.api_models import ErrorResponse
from shared.platform.routing import Route
from shared.platform.version import VERSION

REF_TEMPLATE = "#/components/schemas/{model}"


def build_openapi(routes: tuple[Route, ...], server_url: str = "/") -> dict[str, Any]:
    public = [route for route in routes if route.public]
    models: set[type[BaseModel]] = {ErrorResponse}
    for route in public:
        models.update(
            m for m in (route.request_model, route.response_model, route.query_model) if m
        )
    ordered = sorted(models, key=lambda m: m.__name__)
    keyed, schemas = models_json_schema(
        [(model, _mode(model, public)) for model in ordered], ref_template=REF_TEMPLATE
    )
    refs = {model: keyed[(model, _mode(model, public))]["$ref"] for model in ordered}

    paths: dict[str, dict[str, Any]] = {}
    for route in public:
        paths.setdefault(route.full_path, {})[route.method.lower()] = _operation(
            route, refs, schemas
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Car Pulse Tracker API",
            "version": VERSION if VERSION != "dev" else "0.1.0",
            "description": (
                "Connect a Tesla account, pick cars and a package, get a server-side quote, "
                "pay once, receive one report per car. Every error answers with "
                '`{"error": {"code", "message", ...}}`.'
            ),
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": schemas.get("$defs", {})},
    }


def _mode(model: type[BaseModel], routes: list[Route]) -> JsonSchemaMode:
    is_input = any(model in (r.request_model, r.query_model) for r in routes)
    return "validation" if is_input else "serialization"


def _operation(
    route: Route, refs: dict[type[BaseModel], str], schemas: dict[str, Any]
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": route.target,
        "summary": route.summary,
        "tags": [route.tag],
        "parameters": [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in route.path_params
        ],
        "responses": {},
    }
    if route.query_model:
        defs = schemas.get("$defs", {})
        query_schema = defs[refs[route.query_model].rsplit("/", 1)[1]]
        required = set(query_schema.get("required", []))
        operation["parameters"] += [
            {"name": name, "in": "query", "required": name in required, "schema": schema}
            for name, schema in query_schema.get("properties", {}).items()
        ]
    if route.request_model:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": refs[route.request_model]}}},
        }
    success: dict[str, Any] = {"description": HTTPStatus(route.success_status).phrase}
    if route.response_model:
        success["content"] = {"application/json": {"schema": {"$ref": refs[route.response_model]}}}
    operation["responses"][str(route.success_status)] = success
    error_content = {"application/json": {"schema": {"$ref": refs[ErrorResponse]}}}
    for status in sorted({*route.error_statuses, 500}):
        operation["responses"][str(status)] = {
            "description": HTTPStatus(status).phrase,
            "content": error_content,
        }
    if not operation["parameters"]:
        del operation["parameters"]
    return operation
