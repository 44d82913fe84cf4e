"""Structured logs: Cloud Logging's fields, and nothing secret ever printed."""

from __future__ import annotations

import json
import logging

import pytest

from shared.platform.logs import (
    REDACTED,
    CloudLoggingFormatter,
    bind_log_context,
    parse_trace_header,
    redact,
    redact_text,
)

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: Bearer {JWT}",
        f"token exchange returned {JWT}",
        "key sk_test_51Hx0aBcDeFgHiJkLmNoP used",
        "secret whsec_abcdef0123456789",
        "client_secret pi_3Nx0aBc_secret_XyZ123 leaked",
        "GET /api/v1/tesla/oauth/callback?code=NA_abc123&state=s0me-state",
        "POST body client_secret=cpt-local-secret&grant_type=refresh_token&refresh_token=NA_xyz",
        '{"access_token": "abc.def", "refresh_token": "NA_123", "session_id": "zzz"}',
    ],
)
def test_secret_looking_text_is_redacted(text):
    cleaned = redact_text(text)
    for secret in (
        JWT,
        "sk_test_51Hx",
        "whsec_abc",
        "pi_3Nx0aBc_secret",
        "NA_abc123",
        "s0me-state",
        "cpt-local-secret",
        "NA_xyz",
        "abc.def",
        "NA_123",
        '"zzz"',
    ):
        assert secret not in cleaned
    assert REDACTED in cleaned


def test_sensitive_keys_are_blanked_recursively():
    data = {
        "vehicle_count": 2,
        "tokens": {"access_token": "plain", "refresh_token": "plain2"},
        "client_secret": "s",
        "session_id": "bearer",
        "code": "oauth-code",
        "nested": [{"password": "p"}],
        "empty_token": None,
    }
    cleaned = redact(data)
    assert cleaned["vehicle_count"] == 2
    assert cleaned["tokens"] == REDACTED
    assert cleaned["client_secret"] == REDACTED
    assert cleaned["session_id"] == REDACTED
    assert cleaned["code"] == REDACTED
    assert cleaned["nested"] == [{"password": REDACTED}]
    assert cleaned["empty_token"] is None


def _format(record_msg: str, *args, fields=None, exc_info=None) -> dict:
    record = logging.LogRecord("cpt.test", logging.WARNING, __file__, 1, record_msg, args, exc_info)
    if fields is not None:
        record.fields = fields
    return json.loads(CloudLoggingFormatter().format(record))


def test_formatter_writes_cloud_logging_fields_and_bound_context():
    trace = parse_trace_header("abc123/42;o=1", "cpt-prd")
    with bind_log_context(request_id="r1", order_id="ord_1", **trace):
        entry = _format("hello %s", "world", fields={"vehicle_count": 2, "access_token": JWT})
    assert entry["severity"] == "WARNING"
    assert entry["message"] == "hello world"
    assert entry["logging.googleapis.com/trace"] == "projects/cpt-prd/traces/abc123"
    assert entry["logging.googleapis.com/spanId"] == "42"
    assert entry["request_id"] == "r1" and entry["order_id"] == "ord_1"
    assert entry["vehicle_count"] == 2
    assert entry["access_token"] == REDACTED
    assert "trace" not in entry


def test_context_does_not_outlive_its_block():
    with bind_log_context(request_id="r1"):
        pass
    assert "request_id" not in _format("x")


def test_exception_text_is_redacted():
    try:
        raise ValueError(f"refresh failed for {JWT}")
    except ValueError:
        import sys

        entry = _format("failed", exc_info=sys.exc_info())
    assert "ValueError" in entry["exception"]
    assert JWT not in json.dumps(entry)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, {}),
        ("", {}),
        ("garbage value", {}),
        (
            "105445aa7843bc8bf206b12000100000/1;o=1",
            {"trace": "projects/p/traces/105445aa7843bc8bf206b12000100000", "span_id": "1"},
        ),
        (
            "105445aa7843bc8bf206b12000100000",
            {"trace": "projects/p/traces/105445aa7843bc8bf206b12000100000"},
        ),
        (
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            {
                "trace": "projects/p/traces/4bf92f3577b34da6a3ce929d0e0e4736",
                "span_id": "00f067aa0ba902b7",
            },
        ),
    ],
)
def test_trace_header_parsing(header, expected):
    assert parse_trace_header(header, "p") == expected
