"""Structured JSON logs that Cloud Logging understands, with secrets scrubbed before output.

Each record is one JSON line on stdout with ``severity``, ``message``, the trace fields Cloud
Logging correlates (``logging.googleapis.com/trace``, ``.../spanId``) and any context bound for the
current request (``bind_log_context``). Every record passes through ``redact`` first: tokens,
OAuth codes, session ids, API keys and webhook secrets never reach a log line, whatever a caller
passes in.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

REDACTED = "[REDACTED]"

# Keys whose values are secret whatever they look like.
_SENSITIVE_KEY = re.compile(
    r"(token|secret|password|passwd|authorization|cookie|api[_-]?key|client[_-]?secret|"
    r"^code$|code[_-]?verifier|^state$|session[_-]?id|signature|private[_-]?key)",
    re.IGNORECASE,
)
# Secret-looking substrings inside free text (messages, URLs, exception texts).
_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*"), REDACTED),  # JWTs (Tesla access tokens)
    (re.compile(r"\b(sk|rk|pk)_(test|live)_[A-Za-z0-9]+"), REDACTED),  # Stripe keys
    (re.compile(r"\bwhsec_[A-Za-z0-9]+"), REDACTED),  # Stripe webhook secrets
    (re.compile(r"\bpi_[A-Za-z0-9]+_secret_[A-Za-z0-9]+"), REDACTED),  # PaymentIntent secrets
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 " + REDACTED),
    (
        re.compile(
            r"(?i)\b(code|state|access_token|refresh_token|id_token|client_secret|"
            r"session_id|code_verifier|token|password|passwd|secret|api_key|key)=[^&\s\"']+"
        ),
        r"\1=" + REDACTED,
    ),
    (
        re.compile(
            r"(?i)(\"(?:access_token|refresh_token|id_token|client_secret|code|"
            r"session_id)\"\s*:\s*\")[^\"]*"
        ),
        r"\1" + REDACTED,
    ),
)

_log_context: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "cpt_log_context", default=MappingProxyType({})
)


def redact_text(text: str) -> str:
    """Replace every secret-looking substring of ``text``."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact(value: Any) -> Any:
    """A copy of ``value`` with secret keys blanked and secret-looking strings replaced."""
    if isinstance(value, Mapping):
        return {
            key: REDACTED
            if isinstance(key, str) and _SENSITIVE_KEY.search(key) and value_is_set(item)
            else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def value_is_set(item: Any) -> bool:
    return item not in (None, "", [], {})


@contextmanager
def bind_log_context(**fields: Any) -> Iterator[None]:
    """Attach ``fields`` to every log record written inside the block (per request/task)."""
    token = _log_context.set({**_log_context.get(), **fields})
    try:
        yield
    finally:
        _log_context.reset(token)


def current_log_context() -> Mapping[str, Any]:
    return _log_context.get()


class CloudLoggingFormatter(logging.Formatter):
    """Formats a record as the JSON structure Cloud Logging parses from stdout."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "severity": record.levelname if record.levelname != "WARN" else "WARNING",
            "message": record.getMessage(),
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "logger": record.name,
        }
        context = dict(current_log_context())
        trace = context.pop("trace", None)
        span_id = context.pop("span_id", None)
        if trace:
            entry["logging.googleapis.com/trace"] = trace
        if span_id:
            entry["logging.googleapis.com/spanId"] = span_id
        entry.update(context)
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            entry.update(fields)
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(redact(entry), default=str)


class StdoutHandler(logging.Handler):
    """Writes to whatever ``sys.stdout`` is at emit time (Cloud Logging reads stdout)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stdout.write(self.format(record) + "\n")
            sys.stdout.flush()
        except Exception:
            self.handleError(record)


_configured = False


def setup_logging(level: int = logging.INFO) -> None:
    """Route the root logger to stdout as JSON lines; safe to call more than once."""
    global _configured
    if _configured:
        return
    handler = StdoutHandler()
    handler.setFormatter(CloudLoggingFormatter())
    root = logging.getLogger()
    # Other handlers (a test's capture, a debugger's) stay; only stdout is ours to format.
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, logging.StreamHandler)]
    root.addHandler(handler)
    root.setLevel(level)
    _configured = True


def parse_trace_header(header: str | None, project_id: str) -> dict[str, str]:
    """Log fields from ``X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=1`` or W3C ``traceparent``."""
    if not header:
        return {}
    header = header.strip()
    w3c = re.fullmatch(r"[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}", header)
    if w3c:
        trace_id, span_id = w3c.groups()
    else:
        cloud = re.fullmatch(r"([0-9a-fA-F]{1,32})(?:/([0-9]{1,20}))?(?:;o=[01])?", header)
        if not cloud:
            return {}
        trace_id, span_id = cloud.group(1), cloud.group(2)
    fields = {"trace": f"projects/{project_id}/traces/{trace_id}"}
    if span_id:
        fields["span_id"] = span_id
    return fields
