"""What can go wrong talking to Tesla, in terms the rest of the library acts on."""

from __future__ import annotations


class TeslaError(Exception):
    """Base of every Tesla failure. Messages never contain tokens or codes."""


class TeslaAuthRejected(TeslaError):
    """Tesla's token endpoint refused a code or refresh token (4xx): the user must connect again.

    ``reason`` is Tesla's short error (``invalid_auth_code``, ``login_required``, ...).
    """

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(f"Tesla refused the grant: {reason} ({status})")
        self.reason = reason
        self.status = status


class TeslaUnavailable(TeslaError):
    """Tesla did not answer usefully: network error, timeout, 5xx, or an unexpected body.

    ``status`` is the HTTP status when Tesla answered at all (None for a network error).
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TeslaApiError(TeslaError):
    """A Fleet API call answered with a 4xx that is not handled by the client itself."""

    def __init__(self, status: int, error: str, retry_after_s: int | None = None) -> None:
        super().__init__(f"Tesla answered {status}: {error}")
        self.status = status
        self.error = error
        self.retry_after_s = retry_after_s
