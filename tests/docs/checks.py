"""Static checks of the docs' shell blocks against the route table and the OpenAPI document."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from shared.platform.routing import API_PREFIX, Route
from tests.docs.references import (
    Schemas,
    block_references,
    missing_fields,
    normalise,
    response_roots,
)
from tests.docs.snippets import REPO_ROOT, SHELL_LANGUAGES, Block

OPENAPI = REPO_ROOT / "docs" / "openapi.json"


def shell_blocks(blocks: Iterable[Block]) -> list[Block]:
    """Run or not: a skipped block still names real routes and fields."""
    return [block for block in blocks if block.language in SHELL_LANGUAGES]


def openapi_document(path: Path = OPENAPI) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _route_for(routes: Sequence[Route], method: str | None, path: str) -> Route | None:
    full = API_PREFIX + normalise(path)
    for route in routes:
        if route.full_path_pattern.match(full) and method in (None, route.method):
            return route
    return None


def routes_called(blocks: Iterable[Block], routes: Sequence[Route]) -> set[str]:
    """Targets of the routes the blocks call."""
    found = set()
    for block in shell_blocks(blocks):
        for call in block_references(block.code, block.first_code_line).calls:
            route = _route_for(routes, call.method, call.path)
            if route:
                found.add(route.target)
    return found


def route_problems(blocks: Iterable[Block], routes: Sequence[Route]) -> list[str]:
    """Every ``$API/…`` call (method + path) and every API path written in a block is a route."""
    problems = []
    for block in shell_blocks(blocks):
        references = block_references(block.code, block.first_code_line)
        where = block.path.as_posix()
        for call in references.calls:
            if _route_for(routes, call.method, call.path) is None:
                known = _route_for(routes, None, call.path)
                hint = f" (the route is {known.method})" if known else " (no such path)"
                problems.append(f"{where}:{call.line}: {call.method} {call.path} is no route{hint}")
        for line, path in references.literal_paths:
            if _route_for(routes, None, path) is None:
                problems.append(f"{where}:{line}: {API_PREFIX}{path} is no route's path")
    return sorted(set(problems))


def field_problems(blocks: Iterable[Block], document: dict[str, Any]) -> list[str]:
    """Every field a ``jq`` reads from an API response exists in that response's schema."""
    schemas = Schemas(document)
    problems = []
    for block in shell_blocks(blocks):
        for read in block_references(block.code, block.first_code_line).jq_reads:
            if not read.reads_the_api:
                continue  # jq -n builds a value; another service's answer is not ours to check
            roots, described = response_roots(document, read.origin)
            for path in missing_fields(read.program, roots, schemas):
                problems.append(
                    f"{block.path.as_posix()}:{read.line}: jq reads {path}, which {described} "
                    "does not have (docs/openapi.json)"
                )
    return problems
