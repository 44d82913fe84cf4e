"""Checks and defaults for queues and tasks, per the v2 API's field documentation.

Works on the raw protobuf messages (``tasks_v2.Queue.pb()`` and friends): proto3 cannot tell an
unset number from zero, so a zero rate, attempt count or doubling count means "unset" and gets
Cloud Tasks' default, unless an UpdateQueue mask names that field. Durations are messages, so
their presence is known and an explicit ``0s`` backoff is kept.
"""

from __future__ import annotations

from typing import Any

from .config import (
    DEFAULT_DISPATCH_DEADLINE_SECONDS,
    MAX_CONCURRENT_DISPATCHES_LIMIT,
    MAX_DISPATCH_DEADLINE_SECONDS,
    MAX_DISPATCHES_PER_SECOND_LIMIT,
    MAX_TASK_BYTES,
    MAX_URL_LENGTH,
    MIN_DISPATCH_DEADLINE_SECONDS,
    QueueDefaults,
)
from .errors import invalid_argument, unimplemented
from .model import burst_size, duration_seconds

# HttpMethod enum numbers (google.cloud.tasks.v2.HttpMethod).
HTTP_METHODS: dict[int, str] = {
    1: "POST",
    2: "GET",
    3: "HEAD",
    4: "PUT",
    5: "DELETE",
    6: "PATCH",
    7: "OPTIONS",
}
METHODS_WITH_BODY = ("POST", "PUT", "PATCH")


def set_duration(duration: Any, seconds: float) -> None:
    duration.FromNanoseconds(round(seconds * 1e9))


# --- queues -----------------------------------------------------------------------------------


def normalise_queue(
    queue: Any, defaults: QueueDefaults, explicit: frozenset[str] = frozenset()
) -> None:
    """Fill unset values with defaults, then refuse what Cloud Tasks refuses (INVALID_ARGUMENT)."""
    if queue.HasField("http_target") or queue.HasField("app_engine_routing_override"):
        raise unimplemented("queue-level routing (http_target, app_engine_routing_override)")
    _fill_rate_limits(queue.rate_limits, defaults, explicit)
    _fill_retry_config(queue.retry_config, defaults, explicit)
    check_rate_limits(queue.rate_limits)
    check_retry_config(queue.retry_config)
    queue.rate_limits.max_burst_size = burst_size(queue.rate_limits.max_dispatches_per_second)


def _fill_rate_limits(limits: Any, defaults: QueueDefaults, explicit: frozenset[str]) -> None:
    if not limits.max_dispatches_per_second and (
        "rate_limits.max_dispatches_per_second" not in explicit
    ):
        limits.max_dispatches_per_second = defaults.max_dispatches_per_second
    if not limits.max_concurrent_dispatches and (
        "rate_limits.max_concurrent_dispatches" not in explicit
    ):
        limits.max_concurrent_dispatches = defaults.max_concurrent_dispatches


def _fill_retry_config(retry: Any, defaults: QueueDefaults, explicit: frozenset[str]) -> None:
    if not retry.max_attempts and "retry_config.max_attempts" not in explicit:
        retry.max_attempts = defaults.max_attempts
    if not retry.max_doublings and "retry_config.max_doublings" not in explicit:
        retry.max_doublings = defaults.max_doublings
    for name, seconds in (
        ("max_retry_duration", defaults.max_retry_duration_seconds),
        ("min_backoff", defaults.min_backoff_seconds),
        ("max_backoff", defaults.max_backoff_seconds),
    ):
        if not retry.HasField(name):
            set_duration(getattr(retry, name), seconds)


def check_rate_limits(limits: Any) -> None:
    rate = limits.max_dispatches_per_second
    if not 0 < rate <= MAX_DISPATCHES_PER_SECOND_LIMIT:
        raise invalid_argument(
            f"rate_limits.max_dispatches_per_second must be in (0, 500], got {rate}"
        )
    concurrent = limits.max_concurrent_dispatches
    if not 0 < concurrent <= MAX_CONCURRENT_DISPATCHES_LIMIT:
        raise invalid_argument(
            f"rate_limits.max_concurrent_dispatches must be in [1, 5000], got {concurrent}"
        )


def check_retry_config(retry: Any) -> None:
    if retry.max_attempts < -1:
        raise invalid_argument("retry_config.max_attempts must be >= -1")
    if retry.max_doublings < 0:
        raise invalid_argument("retry_config.max_doublings must be >= 0")
    for name in ("max_retry_duration", "min_backoff", "max_backoff"):
        if duration_seconds(getattr(retry, name)) < 0:
            raise invalid_argument(f"retry_config.{name} must not be negative")
    if duration_seconds(retry.min_backoff) > duration_seconds(retry.max_backoff):
        raise invalid_argument("retry_config.min_backoff must not exceed max_backoff")


def task_retry_config(task_retry: Any, queue_retry: Any) -> Any:
    """A task-level retry_config overrides the queue's; unset fields fall back to the queue's
    (UNVERIFIED: the docs only say it "overrides the Queue.retry_config")."""
    merged = type(queue_retry)()
    merged.CopyFrom(queue_retry)
    if task_retry.max_attempts:
        merged.max_attempts = task_retry.max_attempts
    if task_retry.max_doublings:
        merged.max_doublings = task_retry.max_doublings
    for name in ("max_retry_duration", "min_backoff", "max_backoff"):
        if task_retry.HasField(name):
            getattr(merged, name).CopyFrom(getattr(task_retry, name))
    check_retry_config(merged)
    return merged


# --- tasks --------------------------------------------------------------------------------


def check_new_task(task: Any) -> float:
    """Validate a CreateTask task (HTTP tasks only); fills the method; returns the deadline."""
    if task.HasField("app_engine_http_request"):
        raise unimplemented("App Engine tasks are not emulated; use http_request")
    if not task.HasField("http_request"):
        raise invalid_argument("Task.http_request is required")
    request = task.http_request
    _check_url(request.url)
    if request.http_method == 0:
        request.http_method = 1  # "The default is POST."
    method = HTTP_METHODS.get(request.http_method)
    if method is None:
        raise invalid_argument(f"unknown http_method {request.http_method}")
    if request.body and method not in METHODS_WITH_BODY:
        raise invalid_argument(
            f"A request body is allowed only for POST, PUT or PATCH, not {method}"
        )
    if request.HasField("oidc_token") and "@" not in request.oidc_token.service_account_email:
        raise invalid_argument("oidc_token.service_account_email must be a service account email")
    if request.HasField("oauth_token") and "@" not in request.oauth_token.service_account_email:
        raise invalid_argument("oauth_token.service_account_email must be a service account email")
    if task.ByteSize() > MAX_TASK_BYTES:
        raise invalid_argument("Task size too large: the maximum task size is 100KB")
    return _dispatch_deadline(task)


def _check_url(url: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise invalid_argument('HttpRequest.url must begin with "http://" or "https://"')
    if len(url) > MAX_URL_LENGTH:
        raise invalid_argument("HttpRequest.url is longer than 2083 characters")


def _dispatch_deadline(task: Any) -> float:
    if not task.HasField("dispatch_deadline"):
        return DEFAULT_DISPATCH_DEADLINE_SECONDS
    seconds = duration_seconds(task.dispatch_deadline)
    if not MIN_DISPATCH_DEADLINE_SECONDS <= seconds <= MAX_DISPATCH_DEADLINE_SECONDS:
        raise invalid_argument(
            f"dispatch_deadline must be between 15 seconds and 30 minutes, got {seconds}s"
        )
    return seconds
