"""infra/*.tf parsed with python-hcl2 into plain data, for offline checks.

python-hcl2 keeps HCL's quoting: block labels and string literals come back as ``'"x"'`` and
expressions as ``'${...}'``. ``load_infra`` strips the literal quotes (expressions keep ``${}``),
drops the ``__is_block__`` markers and indexes resources by (type, name).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import hcl2

INFRA = Path(__file__).resolve().parents[2] / "infra"


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            _unquote(k): normalise(v)
            for k, v in value.items()
            if k not in ("__is_block__", "__comments__", "__inline_comments__")
        }
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, str):
        return _unquote(value)
    return value


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("${") and value.endswith("}")


def expr(value: str) -> str:
    """The expression inside ``${...}``."""
    assert is_expression(value), value
    return value[2:-1]


@dataclass
class Infra:
    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    data: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # file name → raw text

    def resource(self, type_: str, name: str) -> dict[str, Any]:
        return self.resources[(type_, name)]

    def of_type(self, type_: str) -> dict[str, dict[str, Any]]:
        return {name: body for (t, name), body in self.resources.items() if t == type_}

    def default(self, variable: str) -> Any:
        return self.variables[variable]["default"]


def _blocks(parsed: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [normalise(block) for block in parsed.get(key, [])]


def _typed_blocks(parsed: dict[str, Any], key: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(type, name, body) of every two-label block: ``resource "type" "name" { ... }``."""
    for block in _blocks(parsed, key):
        for type_, named in block.items():
            for name, body in named.items():
                yield type_, name, body


@cache
def load_infra() -> Infra:
    infra = Infra()
    for path in sorted(INFRA.glob("*.tf")):
        text = path.read_text()
        infra.texts[path.name] = text
        with path.open() as handle:
            parsed = hcl2.load(handle)
        for type_, name, body in _typed_blocks(parsed, "resource"):
            assert (type_, name) not in infra.resources, f"duplicate {type_}.{name}"
            infra.resources[(type_, name)] = body
        for type_, name, body in _typed_blocks(parsed, "data"):
            infra.data[(type_, name)] = body
        for block in _blocks(parsed, "variable"):
            infra.variables.update(block)
        for block in _blocks(parsed, "output"):
            infra.outputs.update(block)
        for block in _blocks(parsed, "locals"):
            overlap = set(block) & set(infra.locals)
            assert not overlap, f"locals defined twice: {overlap}"
            infra.locals.update(block)
    return infra


def load_tfvars(path: Path) -> dict[str, Any]:
    with path.open() as handle:
        return normalise(hcl2.load(handle))


def walk_strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in walk_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in walk_strings(v)]
    return [value] if isinstance(value, str) else []
