"""What every HTTP entry point shares: parse, validate, call, answer — and never leak.

An entry point is a small function decorated with ``@endpoint(target)``. The decorator looks the
target up in the route table and, around the handler, does the same work for every function:

- CORS for the configured WUI origin only, including the preflight;
- method check (405), body size (413), JSON parsing and pydantic validation (422 naming the
  field; unknown fields are errors);
- path parameters taken from the route's template;
- request id and trace context bound to every log line of the request;
- domain errors mapped to the one JSON error shape, anything unexpected to a bare 500.
"""

from __future__ import annotations

import functools
import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import flask
from pydantic import BaseModel, ValidationError
from werkzeug.wrappers import Response

from shared.platform import errors
from shared.platform.logs import bind_log_context, parse_trace_header, setup_logging
from shared.platform.routing import Route
from shared.platform.settings import SECRET_FIELDS, Settings, get_settings
from shared.platform.signals import Signal, signal

logger = logging.getLogger("cpt.http")

CORS_ALLOWED_HEADERS = "Content-Type, X-Request-Id, X-Cloud-Trace-Context, traceparent"
CORS_MAX_AGE_S = "600"


@dataclass(frozen=True)
class Call:
    """One validated request, as a handler sees it."""

    route: Route
    request: flask.Request
    settings: Settings
    request_id: str
    path_params: Mapping[str, str]
    body: Any = None  # an instance of route.request_model, when the route has one
    query: Any = None  # an instance of route.query_model, when the route has one

    @property
    def client_ip(self) -> str:
        """The caller's address as our own proxies saw it (never a value the client chose)."""
        hops = self.settings.trusted_proxy_hops
        forwarded = [
            part.strip() for part in self.request.headers.get("X-Forwarded-For", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if hops and len(forwarded) >= hops:
            return forwarded[-hops]
        return self.request.remote_addr or "unknown"

    def raw_body(self) -> bytes:
        """The unparsed body (webhooks verify signatures over the exact bytes), size-limited."""
        return read_body(self.request, self.settings.max_request_bytes)


Handler = Callable[[Call], BaseModel | Response]


def endpoint(route: Route) -> Callable[[Handler], Callable[[flask.Request], Response]]:
    """Turn ``handler(call)`` into a functions-framework HTTP function for ``route``."""

    def decorate(handler: Handler) -> Callable[[flask.Request], Response]:
        @functools.wraps(handler)
        def entry_point(request: flask.Request) -> Response:
            return handle_request(route, handler, request)

        return entry_point

    return decorate


# Every answer: browsers keep to HTTPS for a year (the load balancer redirects plain HTTP to the
# root, never repeating a path), and never sniff a JSON or PDF body into something runnable.
SECURITY_HEADERS: Mapping[str, str] = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
}


def with_route_secrets(route: Route, settings: Settings) -> Settings:
    """The settings a function runs with. Deployed, Settings already holds only the secrets the
    deploy injected; locally every default secret is there, so the ones the route's deploy does
    not give it are blanked the same way: a missing secret fails locally as in the cloud."""
    if settings.environment != "local" or not settings.local_route_secrets_only:
        return settings
    from pydantic import SecretStr

    missing = {name: SecretStr("") for name in SECRET_FIELDS if name not in route.secrets}
    return settings.model_copy(update=missing) if missing else settings


# Where a request's settings come from. Deployed: the process's environment (one function per
# process). The local gateway serves every function from one process and installs its own source
# (``use_settings_source``) so each function reads only the environment its deploy gives it.
_settings_source: Callable[[], Settings] = get_settings


def use_settings_source(source: Callable[[], Settings]) -> None:
    """Serve later requests with the settings ``source`` returns (the local gateway's hook)."""
    global _settings_source
    _settings_source = source


def handle_request(route: Route, handler: Handler, request: flask.Request) -> Response:
    setup_logging()
    settings = with_route_secrets(route, _settings_source())
    request_id = _request_id(request)
    trace = parse_trace_header(
        request.headers.get("X-Cloud-Trace-Context") or request.headers.get("traceparent"),
        settings.project_id,
    )
    started = time.perf_counter()
    with bind_log_context(request_id=request_id, route=route.target, **trace):
        try:
            response = _dispatch(route, handler, request, settings, request_id)
        except errors.ApiError as error:
            response = error_response(error, request_id)
            _log_error(error)
        except Exception:
            logger.exception("unhandled error in %s", route.target)
            response = error_response(errors.InternalError(), request_id)
        response.headers["X-Request-Id"] = request_id
        response.headers.update(SECURITY_HEADERS)
        _apply_cors(response, request, settings, route)
        logger.info(
            "%s %s -> %s",
            request.method,
            route.full_path,
            response.status_code,
            extra={
                "fields": {
                    "http_status": response.status_code,
                    "latency_ms": round((time.perf_counter() - started) * 1000, 1),
                }
            },
        )
        if response.status_code >= 500:
            # 503 with Retry-After (contention, a worker's busy car) is counted too: the alert's
            # threshold, not this line, decides what is normal.
            signal(Signal.HTTP_5XX, function=route.target, http_status=response.status_code)
        return response


def _dispatch(
    route: Route, handler: Handler, request: flask.Request, settings: Settings, request_id: str
) -> Response:
    if request.method == "OPTIONS":
        return _preflight(request, settings, route)
    method = "GET" if request.method == "HEAD" else request.method
    if method != route.method:
        raise errors.MethodNotAllowed(request.method, [route.method, "OPTIONS"])
    # A function answers at its own URL's root too (no gateway in front), unless it needs
    # parameters from the path.
    at_function_root = request.path == "/" and not route.path_params
    match = None if at_function_root else route.path_pattern.search(request.path)
    if match is None and not at_function_root:
        raise errors.NotFound("No such resource.")  # never echo the path: it may hold a session id
    call = Call(
        route=route,
        request=request,
        settings=settings,
        request_id=request_id,
        path_params=match.groupdict() if match else {},
        body=_parse_body(route, request, settings) if route.request_model else None,
        query=_validate(route.query_model, request.args.to_dict(), location="query")
        if route.query_model
        else None,
    )
    result = handler(call)
    if isinstance(result, Response):
        return result
    return json_response(
        result.model_dump(mode="json"),
        route.success_status,
        {"Cache-Control": route.cache_control},
    )


def read_body(request: flask.Request, limit: int) -> bytes:
    """The raw body, at most ``limit`` bytes (413 beyond), whether or not a length was sent."""
    if request.content_length is not None and request.content_length > limit:
        raise errors.PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise errors.PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    return raw


def _parse_body(route: Route, request: flask.Request, settings: Settings) -> BaseModel:
    raw = read_body(request, settings.max_request_bytes)
    if not raw.strip():
        data: Any = {}
    else:
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise errors.ValidationFailed(
                [{"field": "body", "problem": "is not valid JSON"}]
            ) from None
    if not isinstance(data, dict):
        raise errors.ValidationFailed([{"field": "body", "problem": "must be a JSON object"}])
    assert route.request_model is not None
    return _validate(route.request_model, data, location="body")


def _validate(model: type[BaseModel], data: dict[str, Any], location: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise errors.ValidationFailed(validation_problems(error, location)) from None


def validation_problems(error: ValidationError, location: str) -> list[dict[str, str]]:
    """Pydantic's errors as ``[{field, problem}]``; never echoes the rejected value."""
    problems = []
    for item in error.errors(include_url=False, include_input=False):
        field_path = ".".join(str(part) for part in item["loc"]) or location
        problem = "is not an allowed field" if item["type"] == "extra_forbidden" else item["msg"]
        problems.append({"field": field_path, "problem": problem})
    return problems


def json_response(
    body: Mapping[str, Any], status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers.update(headers or {})
    return response


def install_error_pages(app: flask.Flask) -> None:
    """Answer the framework's own refusals in the JSON error shape, not Werkzeug's HTML pages.

    functions-framework routes every path to the function, except paths its URL rules cannot
    match (a control character such as ``%0A``) and methods a rule does not take: those never
    reach ``endpoint`` and would get an HTML page.
    """
    from werkzeug.exceptions import HTTPException

    def as_json(exception: HTTPException) -> Response:
        request_id = _request_id(flask.request)
        status = exception.code or 500
        if status == 404:
            error: errors.ApiError = errors.NotFound("No such resource.")
        elif status == 405:
            allowed = sorted(getattr(exception, "valid_methods", None) or [])
            error = errors.MethodNotAllowed(flask.request.method, allowed)
        elif status >= 500:
            error = errors.InternalError()
        else:
            error = errors.BadRequest("The request could not be understood.")
        response = error_response(error, request_id)
        response.headers["X-Request-Id"] = request_id
        response.headers.update(SECURITY_HEADERS)
        return response

    app.register_error_handler(HTTPException, as_json)


def error_response(error: errors.ApiError, request_id: str) -> Response:
    body = error.body()
    body["error"]["request_id"] = request_id
    return json_response(body, error.status, {**error.headers(), "Cache-Control": "no-store"})


def _log_error(error: errors.ApiError) -> None:
    level = logging.ERROR if error.status >= 500 else logging.INFO
    logger.log(
        level,
        "request refused: %s: %s",
        error.code,
        error.message,  # our own sentence: never carries input or secrets
        extra={"fields": {"error_code": error.code}},
    )


def _request_id(request: flask.Request) -> str:
    supplied = request.headers.get("X-Request-Id", "")
    # Accept a caller's id only if it is short and plain, so it cannot inject into logs.
    if 8 <= len(supplied) <= 64 and supplied.replace("-", "").isalnum():
        return supplied
    return uuid.uuid4().hex


def _preflight(request: flask.Request, settings: Settings, route: Route) -> Response:
    if request.headers.get("Origin") != settings.wui_origin:
        raise errors.Forbidden("This origin may not call the API.")
    return Response(status=204)


def _apply_cors(
    response: Response, request: flask.Request, settings: Settings, route: Route
) -> None:
    response.headers["Vary"] = "Origin"
    if request.headers.get("Origin") != settings.wui_origin:
        return
    response.headers["Access-Control-Allow-Origin"] = settings.wui_origin
    response.headers["Access-Control-Expose-Headers"] = "X-Request-Id, Retry-After"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = f"{route.method}, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = CORS_ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = CORS_MAX_AGE_S
