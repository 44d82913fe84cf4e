"""What the docs' shell blocks call and read: API routes (method, path) and ``jq`` field paths.

A cheap static check beside the run itself: a route path renamed in ``functions/routes.py``, or a
response field renamed in a model (hence in ``docs/openapi.json``, kept in sync by
tests/platform/test_openapi.py), fails the docs test even where a block is not run.

The shell is read with :mod:`shlex` (quotes respected, ``|``, ``;``, ``(``… split off): enough
for the commands the docs show, not a shell parser. A ``jq`` reading a ``curl`` of the API (piped,
through ``tee``/``-o`` files or ``VAR=$(curl …)`` variables) is checked against that route's
response schema or the error shape; one whose input is not known, against every response schema.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

API_VARIABLE = re.compile(r"^\$\{?API\}?(?P<path>/[^?#\s]*)?")
LITERAL_API_PATH = re.compile(r"(?:\$\{?API\}?|/api/v1)(?P<path>/[^\s\"'?#)|;&`]*)")
_SHELL_VARIABLE = re.compile(r"\$(?:\{[^}]*\}|\w+|\([^)]*\))")
_SEPARATORS = frozenset("();|&")
_DATA_FLAGS = ("-d", "--data", "--data-raw", "--data-binary", "--data-urlencode", "--json", "-F")
_KEYWORDS = frozenset({"if", "elif", "then", "else", "while", "until", "do", "!", "time"})
_JQ_OPTIONS_WITH_TWO_VALUES = ("--arg", "--argjson", "--slurpfile", "--rawfile")


@dataclass(frozen=True)
class ApiCall:
    line: int  # in the document
    method: str
    path: str  # as written after $API, e.g. /tesla/report/$SESSION


# A response from another service (localstripe, a simulator): not the API's, not checked here.
EXTERNAL = ApiCall(0, "", "")


@dataclass(frozen=True)
class JqRead:
    line: int
    program: str
    origin: ApiCall | None  # the call whose response it reads, when known
    null_input: bool = False

    @property
    def reads_the_api(self) -> bool:
        return not self.null_input and self.origin is not EXTERNAL


@dataclass
class BlockReferences:
    calls: list[ApiCall] = field(default_factory=list)
    jq_reads: list[JqRead] = field(default_factory=list)
    literal_paths: list[tuple[int, str]] = field(default_factory=list)


def logical_lines(code: str, first_line: int) -> Iterator[tuple[int, str]]:
    """Lines joined at a trailing backslash, each with the document line it starts on."""
    pending: list[str] = []
    start = first_line
    for offset, text in enumerate(code.splitlines()):
        if not pending:
            start = first_line + offset
        if text.endswith("\\"):
            pending.append(text[:-1])
            continue
        pending.append(text)
        yield start, " ".join(pending)
        pending = []
    if pending:
        yield start, " ".join(pending)


def tokens(line: str) -> list[str]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return list(lexer)
    except ValueError:  # an unbalanced quote: such a line is checked by running it
        return []


def _is_separator(token: str) -> bool:
    return bool(token) and set(token) <= _SEPARATORS


def segments(words: list[str]) -> list[tuple[str, list[str]]]:
    """Simple commands with the separator before each (``|`` for a pipe), in order."""
    found: list[tuple[str, list[str]]] = []
    before, current = "", []
    for word in words:
        if _is_separator(word):
            if current:
                found.append((before, current))
            before, current = word, []
        else:
            current.append(word)
    if current:
        found.append((before, current))
    return found


def _command_words(words: list[str]) -> list[str]:
    """Skip ``VAR=$`` (the start of ``VAR=$(…)``), plain assignments and keywords."""
    index = 0
    while index < len(words) and (re.match(r"^\w+=", words[index]) or words[index] in _KEYWORDS):
        index += 1
    return words[index:]


def curl_call(words: list[str], line: int) -> tuple[ApiCall | None, str | None]:
    """The API call of a curl command (None when it calls something else) and its ``-o`` file."""
    method = None
    has_data = False
    path = None
    output = None
    for index, word in enumerate(words[1:], start=1):
        following = words[index + 1] if index + 1 < len(words) else ""
        if word in {"-X", "--request"}:
            method = following.upper()
        elif word.startswith("-X") and len(word) > 2:
            method = word[2:].upper()
        elif word in _DATA_FLAGS or word.startswith(("--data", "-d")):
            has_data = True
        elif word in {"-o", "--output"}:
            output = following
        match = API_VARIABLE.match(word)
        if match and path is None:
            path = match.group("path") or "/"
    if path is None:
        return None, output
    return ApiCall(line, method or ("POST" if has_data else "GET"), path), output


def jq_arguments(words: list[str]) -> tuple[str | None, list[str], bool]:
    """(program, input files, null input) of a jq command."""
    program = None
    files: list[str] = []
    null_input = False
    index = 1
    while index < len(words):
        word = words[index]
        if word in _JQ_OPTIONS_WITH_TWO_VALUES:
            index += 3
            continue
        if word in {"<", "<<<", ">", ">>", "2>"} or word.startswith((">", "2>")):
            index += 2 if word in {"<", "<<<", ">", ">>", "2>"} else 1
            continue
        if word.startswith("-") and program is None:
            null_input = null_input or ("n" in word[1:] and not word.startswith("--"))
            null_input = null_input or word == "--null-input"
            index += 1
            continue
        if program is None:
            program = word
        else:
            files.append(word)
        index += 1
    return program, files, null_input


def _here_string_variable(words: list[str]) -> str | None:
    for index, word in enumerate(words[:-1]):
        if word == "<<<":
            match = re.fullmatch(r"\$\{?(\w+)\}?", words[index + 1])
            return match.group(1) if match else None
    return None


def _redirect_target(words: list[str]) -> str | None:
    for index, word in enumerate(words):
        if word in {">", ">>"} and index + 1 < len(words):
            return words[index + 1]
    return None


class _Origins:
    """Which API call produced a file or a variable, as the block goes."""

    def __init__(self) -> None:
        self.files: dict[str, ApiCall] = {}
        self.variables: dict[str, ApiCall] = {}


def block_references(code: str, first_line: int) -> BlockReferences:
    found = BlockReferences()
    origins = _Origins()
    for line, text in logical_lines(code, first_line):
        found.literal_paths += [
            (line, m.group("path")) for m in LITERAL_API_PATH.finditer(_strip_comment(text))
        ]
        _read_line(line, tokens(text), found, origins)
    return found


def _strip_comment(text: str) -> str:
    words = tokens(text)
    return " ".join(words)


def _read_line(line: int, words: list[str], found: BlockReferences, origins: _Origins) -> None:
    assigned = next((m.group(1) for w in words if (m := re.match(r"^(\w+)=\$$", w))), None)
    upstream: ApiCall | None = None  # what flows into the next command of a pipe
    produced: ApiCall | None = None  # the response VAR=$(curl …) holds, if nothing filtered it
    for before, raw in segments(words):
        command = _command_words(raw)
        if before != "|":
            upstream = None
        elif command:
            produced = None  # VAR=$(curl … | jq …) holds what jq made
        if command:
            upstream = _read_command(line, command, upstream, found, origins)
            produced = upstream if command[0] == "curl" else produced
    if assigned and produced:
        origins.variables[assigned] = produced


def _read_command(
    line: int,
    command: list[str],
    upstream: ApiCall | None,
    found: BlockReferences,
    origins: _Origins,
) -> ApiCall | None:
    """Records what one simple command calls or reads; returns what it passes down a pipe."""
    name = command[0]
    if name == "curl":
        return _read_curl(line, command, found, origins)
    if name == "tee":
        for target in command[1:]:
            if upstream is not None and not target.startswith("-"):
                origins.files[target] = upstream
        return upstream
    if name == "jq":
        _read_jq(line, command, upstream, found, origins)
        return None
    if name in {"echo", "printf"}:
        variable = next(
            (m.group(1) for w in command if (m := re.fullmatch(r"\$\{?(\w+)\}?", w))), None
        )
        return origins.variables.get(variable or "")
    return None


def _read_curl(line: int, command: list[str], found: BlockReferences, origins: _Origins) -> ApiCall:
    call, output = curl_call(command, line)
    if call is not None:
        found.calls.append(call)
    response = call or EXTERNAL
    for target in (output, _redirect_target(command)):
        if target and target != "/dev/null":
            origins.files[target] = response
    return response


def _read_jq(
    line: int,
    command: list[str],
    upstream: ApiCall | None,
    found: BlockReferences,
    origins: _Origins,
) -> None:
    program, files, null_input = jq_arguments(command)
    if program is None:
        return
    origin = upstream
    variable = _here_string_variable(command)
    if variable:
        origin = origins.variables.get(variable)
    for name in files:
        origin = origins.files.get(name, origin)
    found.jq_reads.append(JqRead(line, program, origin, null_input))


# --- jq field paths ---------------------------------------------------------------------------

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_PATH = re.compile(
    r"(?<![\w\]\)\}.\"$])(?:\.[A-Za-z_]\w*|\.\[\d*\])(?:\??(?:\.[A-Za-z_]\w*|\[\d*\]))*"
)
_STEP = re.compile(r"\.?([A-Za-z_]\w*)|\[(\d*)\]")
_PURE_PATH = re.compile(r"^\s*\.(?:[A-Za-z_]\w*|\[\d*\])?(?:\??(?:\.[A-Za-z_]\w*|\[\d*\]))*\??\s*$")
_SHORTHAND_KEY = re.compile(r"(?<=[{,])\s*([A-Za-z_]\w*)\s*(?=[,}])")


def _interpolations(program: str) -> tuple[str, list[str]]:
    """The program with string literals emptied, and the code of their ``\\(…)`` parts."""
    inner: list[str] = []

    def keep(match: re.Match[str]) -> str:
        inner.extend(_balanced(match.group(0), "\\("))
        return '""'

    return _STRING.sub(keep, program), inner


_CLOSING = {"(": ")", "[": "]", "{": "}"}


def _balanced(text: str, opener: str) -> list[str]:
    """The text inside each ``opener`` … its matching bracket (``opener`` ends with the bracket)."""
    found = []
    open_char = opener[-1]
    close_char = _CLOSING[open_char]
    start = text.find(opener)
    while start != -1:
        depth, index = 0, start + len(opener) - 1
        for index in range(start + len(opener) - 1, len(text)):
            if text[index] == open_char:
                depth += 1
            elif text[index] == close_char:
                depth -= 1
                if depth == 0:
                    break
        found.append(text[start + len(opener) : index])
        start = text.find(opener, index)
    return found


def split_top_level(program: str) -> list[str]:
    """A jq program's ``|`` stages: not a ``|`` inside brackets or a string (strings are kept)."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    in_string = escaped = False
    for char in program:
        current.append(char)
        if in_string:
            in_string = escaped or char != '"'
            escaped = not escaped and char == "\\"
            continue
        if char == '"':
            in_string = True
        depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(char, 0)
        if char == "|" and depth == 0:
            parts.append("".join(current[:-1]))
            current = []
    parts.append("".join(current))
    return parts


def field_paths(expression: str) -> list[str]:
    """Paths an expression reads from its input: ``.a.b[]``, ``{a, b}`` keys, ``.[]``."""
    code, interpolated = _interpolations(expression)
    code = re.sub(r"\$\w+", "VAR", code)  # $name.field reads a variable, not the input
    paths = [m.group(0) for m in _PATH.finditer(code)]
    for body in _balanced(code, "{"):
        paths += [f".{key}" for key in _SHORTHAND_KEY.findall("{" + body + "}")]
    for part in interpolated:
        paths += field_paths(part)
    return paths


def steps(path: str) -> list[str]:
    """``.vehicles[].id`` → ["vehicles", "[]", "id"]; an index is "[]" too."""
    return [m.group(1) or "[]" for m in _STEP.finditer(path.replace("?", ""))]


class Schemas:
    """Navigation in an OpenAPI document's schemas (``$ref``, ``anyOf``, properties, items)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.components: dict[str, Any] = document.get("components", {}).get("schemas", {})

    def resolve(self, schema: dict[str, Any]) -> list[dict[str, Any]]:
        if "$ref" in schema:
            return self.resolve(self.components[schema["$ref"].rsplit("/", 1)[-1]])
        options = schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf")
        if options:
            return [resolved for option in options for resolved in self.resolve(option)]
        return [schema]

    def step(self, schema: dict[str, Any], name: str) -> list[dict[str, Any]]:
        """What ``.name`` (or ``.[]`` for name "[]") reaches from a schema."""
        return [child for option in self.resolve(schema) for child in _step(option, name)]

    def walk(self, roots: list[dict[str, Any]], path: str) -> list[dict[str, Any]]:
        current = roots
        for name in steps(path):
            current = [child for schema in current for child in self.step(schema, name)]
        return current


def _step(option: dict[str, Any], name: str) -> list[dict[str, Any]]:
    kind = option.get("type")
    if kind == "array":
        return [option.get("items", {})] if name == "[]" else []  # jq: no field of an array
    if kind not in (None, "object"):
        return []  # a scalar or null has no fields
    properties = option.get("properties") or {}
    if name in properties:
        return [properties[name]]
    extra = option.get("additionalProperties")
    # A free-form object or a map (no declared fields) has any key; an object with declared
    # fields has only those, even where it allows more (the docs read what is documented).
    if not properties or (name == "[]" and extra):
        return [extra if isinstance(extra, dict) else {}]
    return []


def missing_fields(program: str, roots: list[dict[str, Any]], schemas: Schemas) -> list[str]:
    """The paths of a jq program that none of ``roots`` has (followed through ``|`` stages)."""
    missing: list[str] = []
    context: list[dict[str, Any]] | None = roots
    for stage in split_top_level(program):
        if context is None:
            break
        text = stage.strip()
        if _PURE_PATH.match(text):
            reached = schemas.walk(context, text)
            if not reached:
                missing.append(text)
            context = reached or None
            continue
        for path in field_paths(text):
            if not schemas.walk(context, path):
                missing.append(path)
        if not re.fullmatch(r"select\(.*\)", text, flags=re.DOTALL):
            context = None  # a built value: what follows reads something else
    return missing


def response_roots(document: dict[str, Any], call: ApiCall | None) -> tuple[list[dict], str]:
    """The schemas a response of ``call`` may have (success and error), with a description."""
    error = {"$ref": "#/components/schemas/ErrorResponse"}
    if call is None:
        roots = [
            schema
            for operations in document["paths"].values()
            for operation in operations.values()
            if (schema := _success_schema(operation))
        ]
        return [*roots, error], "any response of the API"
    for template, operations in document["paths"].items():
        operation = operations.get(call.method.lower())
        if operation and re.fullmatch(path_regex(template), "/api/v1" + normalise(call.path)):
            schema = _success_schema(operation)
            return [s for s in (schema, error) if s], f"{call.method} {template}"
    return [error], f"{call.method} {call.path} (not in the OpenAPI document)"


def _success_schema(operation: dict[str, Any]) -> dict[str, Any] | None:
    for status in ("200", "201", "202"):
        content = operation.get("responses", {}).get(status, {}).get("content", {})
        if "application/json" in content:
            return dict(content["application/json"]["schema"])
    return None


def normalise(path: str) -> str:
    """A shell path with its variables as plain segments: ``/x/$ID`` → ``/x/ID``."""
    return _SHELL_VARIABLE.sub("VAR", path).rstrip("/") or "/"


def path_regex(template: str) -> str:
    return re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template))
