"""Domain errors and the one JSON error shape every function answers with.

Library code raises these; the HTTP plumbing (``shared.platform.http``) turns each into
``{"error": {"code", "message", ...details}}`` with its status. Anything else that escapes a
handler becomes a generic 500 whose body says nothing about the cause.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ApiError(Exception):
    """An error with an HTTP status, a stable machine-readable code and safe details."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.details}}

    def headers(self) -> dict[str, str]:
        return {}


class BadRequest(ApiError):
    status, code = 400, "bad_request"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class MethodNotAllowed(ApiError):
    status, code = 405, "method_not_allowed"

    def __init__(self, method: str, allowed: list[str]) -> None:
        super().__init__(f"{method} is not allowed here", allowed=sorted(allowed))

    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.details["allowed"])}


class Conflict(ApiError):
    """The request does not fit the order's current state; ``status`` names that state."""

    status, code = 409, "conflict"

    def __init__(self, message: str, current_status: str, **details: Any) -> None:
        super().__init__(message, status=current_status, **details)


class Gone(ApiError):
    status, code = 410, "gone"


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(ApiError):
    status, code = 415, "unsupported_media_type"


class ValidationFailed(ApiError):
    """422: names every bad field (``field`` is the first, ``fields`` lists all)."""

    status, code = 422, "validation_failed"

    def __init__(self, problems: list[dict[str, str]]) -> None:
        first = problems[0]
        super().__init__(
            f"{first['field']}: {first['problem']}", field=first["field"], fields=problems
        )


class TooManyRequests(ApiError):
    status, code = 429, "too_many_requests"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message, retry_after_s=retry_after_s)

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.details["retry_after_s"])}


class UpstreamUnavailable(ApiError):
    """A provider we depend on (Tesla, Stripe, PayPal) did not answer usefully."""

    status, code = 503, "upstream_unavailable"


class InternalError(ApiError):
    status, code = 500, "internal"

    def __init__(self) -> None:
        super().__init__("Something went wrong on our side. Please try again.")
