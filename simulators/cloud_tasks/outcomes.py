"""What one delivery produced, and how an attempt's result reads as a google.rpc status."""

from __future__ import annotations

from dataclasses import dataclass

# google.rpc.Code numbers.
OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND = 0, 1, 2, 3, 4, 5
ALREADY_EXISTS, PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION = 6, 7, 8, 9
ABORTED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, UNAUTHENTICATED = 10, 12, 13, 14, 16

# HTTP status → google.rpc.Code, the mapping google/rpc/code.proto documents for each code
# (UNVERIFIED that Cloud Tasks fills Attempt.response_status exactly this way).
_HTTP_TO_RPC: dict[int, int] = {
    400: INVALID_ARGUMENT,
    401: UNAUTHENTICATED,
    403: PERMISSION_DENIED,
    404: NOT_FOUND,
    409: ABORTED,
    429: RESOURCE_EXHAUSTED,
    499: CANCELLED,
    500: INTERNAL,
    501: UNIMPLEMENTED,
    503: UNAVAILABLE,
    504: DEADLINE_EXCEEDED,
}

RPC_CODE_NAMES: dict[int, str] = {
    OK: "OK",
    CANCELLED: "CANCELLED",
    UNKNOWN: "UNKNOWN",
    INVALID_ARGUMENT: "INVALID_ARGUMENT",
    DEADLINE_EXCEEDED: "DEADLINE_EXCEEDED",
    NOT_FOUND: "NOT_FOUND",
    ALREADY_EXISTS: "ALREADY_EXISTS",
    PERMISSION_DENIED: "PERMISSION_DENIED",
    RESOURCE_EXHAUSTED: "RESOURCE_EXHAUSTED",
    FAILED_PRECONDITION: "FAILED_PRECONDITION",
    ABORTED: "ABORTED",
    UNIMPLEMENTED: "UNIMPLEMENTED",
    INTERNAL: "INTERNAL",
    UNAVAILABLE: "UNAVAILABLE",
    UNAUTHENTICATED: "UNAUTHENTICATED",
}


def rpc_code_for_http(status: int) -> int:
    if 200 <= status < 300:
        return OK
    if status in _HTTP_TO_RPC:
        return _HTTP_TO_RPC[status]
    if 400 <= status < 500:
        return FAILED_PRECONDITION
    if status >= 500:
        return INTERNAL
    return UNKNOWN


@dataclass(frozen=True)
class Outcome:
    """The result of sending one request (see ``model.OUTCOMES``)."""

    kind: str
    status_code: int | None = None
    retry_after_header: str | None = None
    error: str | None = None

    @property
    def success(self) -> bool:
        return self.kind == "ok"

    @property
    def rpc_code(self) -> int:
        if self.status_code is not None:
            return rpc_code_for_http(self.status_code)
        if self.kind == "deadline_exceeded":
            return DEADLINE_EXCEEDED
        if self.kind == "abandoned":
            return CANCELLED
        return UNAVAILABLE  # no response: dropped, killed, refused, reset

    @property
    def message(self) -> str:
        if self.status_code is not None:
            return f"HTTP status code {self.status_code}"
        return self.error or self.kind


def http_outcome(status: int, retry_after: str | None) -> Outcome:
    kind = "ok" if 200 <= status < 300 else "http_error"
    return Outcome(kind, status_code=status, retry_after_header=retry_after)
