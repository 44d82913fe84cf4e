"""One HTTP request to a task's target, the way Cloud Tasks builds and sends it.

Headers: the task's own, minus those Cloud Tasks computes or reserves (Host, Content-Length,
User-Agent — set to ``Google-Cloud-Tasks`` —, ``X-Google-*``, ``X-AppEngine-*``,
``X-CloudTasks-*``), plus the ``X-CloudTasks-*`` task headers and, for ``oidc_token``, a signed
ID token. Sent with ``http.client`` so the dispatcher can cut the socket from another thread
(dispatch deadline in simulated time; the ``kill`` fault).
"""

from __future__ import annotations

import contextlib
import http.client
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from .config import CloudTasksConfig
from .model import Attempt, TaskRecord
from .oidc import OidcSigner
from .outcomes import Outcome, http_outcome
from .validation import HTTP_METHODS

_RESERVED_PREFIXES = ("x-google-", "x-appengine-", "x-cloudtasks-")
_RESERVED_NAMES = ("host", "content-length", "user-agent")
MAX_RESPONSE_BYTES = 1 << 20  # read (and drop) at most this much of a response body


@dataclass(frozen=True)
class OutboundRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes


def _reserved(header: str) -> bool:
    lowered = header.lower()
    return lowered in _RESERVED_NAMES or lowered.startswith(_RESERVED_PREFIXES)


def task_headers(task: TaskRecord, attempt: Attempt) -> dict[str, str]:
    """The X-CloudTasks-* request headers of this attempt."""
    headers = {
        "X-CloudTasks-QueueName": task.name.queue.rsplit("/", 1)[-1],
        "X-CloudTasks-TaskName": task.name.task_id,
        "X-CloudTasks-TaskRetryCount": str(attempt.retry_count),
        "X-CloudTasks-TaskExecutionCount": str(attempt.execution_count),
        # Seconds since the epoch (the docs: "uses seconds since January 1 1970").
        "X-CloudTasks-TaskETA": f"{attempt.schedule_time:.6f}",
    }
    if attempt.previous_response is not None:
        headers["X-CloudTasks-TaskPreviousResponse"] = str(attempt.previous_response)
    if attempt.retry_reason is not None:
        headers["X-CloudTasks-TaskRetryReason"] = attempt.retry_reason
    return headers


def build_request(
    task: TaskRecord, attempt: Attempt, signer: OidcSigner, settings: CloudTasksConfig
) -> OutboundRequest:
    target = task.pb.http_request
    headers = {name: value for name, value in target.headers.items() if not _reserved(name)}
    headers["User-Agent"] = settings.user_agent
    headers.update(task_headers(task, attempt))
    if target.HasField("oidc_token"):
        token = signer.token(
            issuer=settings.oidc_issuer,
            audience=target.oidc_token.audience or target.url,  # default: the target URI
            email=target.oidc_token.service_account_email,
            lifetime=settings.oidc_token_lifetime_seconds,
        )
        headers["Authorization"] = f"Bearer {token}"
    elif target.HasField("oauth_token"):
        # Not a real access token (nothing local could check one); the shape only.
        headers["Authorization"] = f"Bearer ya29.local-{secrets.token_urlsafe(32)}"
    return OutboundRequest(
        method=HTTP_METHODS[target.http_method],
        url=target.url,
        headers=headers,
        body=bytes(target.body),
    )


def _connection(parts: SplitResult, timeout: float) -> http.client.HTTPConnection:
    host = parts.hostname or "localhost"
    if parts.scheme == "https":
        return http.client.HTTPSConnection(host, parts.port, timeout=timeout)
    return http.client.HTTPConnection(host, parts.port, timeout=timeout)


def cut(sock: socket.socket) -> None:
    """Close a connection under a thread blocked on it (its read fails at once)."""
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


def send(
    request: OutboundRequest,
    *,
    timeout: float,
    kill_after: float | None = None,
    on_socket: Callable[[socket.socket], None] | None = None,
    pause: Callable[[float], object] = time.sleep,
) -> Outcome:
    """Send and wait for the answer (at most ``timeout`` real seconds of silence).

    ``kill_after``: close the connection that many seconds after the request went out, without
    reading the response (the ``kill`` fault).
    """
    parts = urlsplit(request.url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = _connection(parts, timeout)
    try:
        connection.connect()
        if on_socket is not None and connection.sock is not None:
            on_socket(connection.sock)
        connection.request(request.method, path, body=request.body or None, headers=request.headers)
        if kill_after is not None:
            pause(kill_after)
            if connection.sock is not None:
                cut(connection.sock)
            return Outcome("killed", error="connection closed before the response (fault)")
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        return http_outcome(response.status, response.getheader("Retry-After"))
    except TimeoutError:
        return Outcome("deadline_exceeded", error=f"no response within {timeout:g}s")
    except (OSError, http.client.HTTPException) as error:
        return Outcome("connection_error", error=f"{type(error).__name__}: {error}")
    finally:
        connection.close()
