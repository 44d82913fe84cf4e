"""``POST /v1/oauth2/token`` (client credentials over HTTP Basic) and Bearer checks.

PayPal answers a repeated token request with the same, still valid token and a shrinking
``expires_in``; the simulator does too (``reuse_access_token``). Unknown, revoked and expired
tokens fail with 401, as does a missing Authorization header.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask import Blueprint, Response, request

from .errors import PayPalError
from .ids import access_token as new_access_token
from .responses import json_response
from .state import AccessToken, SimulatorState

if TYPE_CHECKING:  # the pipeline imports this module for require_bearer
    from .pipeline import Pipeline

# The scopes a REST app with the Checkout feature gets (trimmed).
TOKEN_SCOPES = " ".join(
    (
        "https://uri.paypal.com/services/payments/futurepayments",
        "https://uri.paypal.com/services/payments/realtimepayment",
        "https://uri.paypal.com/services/payments/refund",
        "https://uri.paypal.com/services/payments/payment/authcapture",
        "https://uri.paypal.com/services/applications/webhooks",
        "openid",
    )
)


class InvalidToken(Exception):
    """401 with OAuth's ``{error, error_description}`` body, as PayPal's gateway sends it."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def _oauth_error(status: int, error: str, description: str) -> Response:
    return json_response({"error": error, "error_description": description}, status)


def _basic_credentials() -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, separator, secret = decoded.partition(":")
    return (client_id, secret) if separator else None


def issue_token(state: SimulatorState) -> dict[str, object]:
    settings = state.settings
    now = state.clock.now()
    with state.lock:
        current = None
        if settings.reuse_access_token:
            current = next(
                (
                    token
                    for token in state.tokens.values()
                    if not token.revoked and token.expires_at > now + 1
                ),
                None,
            )
        if current is None:
            stamp = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            current = AccessToken(
                token=new_access_token(),
                client_id=settings.client_id,
                issued_at=now,
                expires_at=now + settings.access_token_ttl_seconds,
                nonce=stamp + new_access_token()[5:48],
            )
            state.tokens[current.token] = current
    return {
        "scope": TOKEN_SCOPES,
        "access_token": current.token,
        "token_type": "Bearer",
        "app_id": settings.app_id,
        "expires_in": int(current.expires_at - now),
        "nonce": current.nonce,
    }


def require_bearer(state: SimulatorState) -> AccessToken:
    """The caller's token, or raise: PayPalError for no header, InvalidToken for a bad one."""
    header = request.headers.get("Authorization", "")
    scheme, _, raw_token = header.partition(" ")
    if scheme.lower() != "bearer" or not raw_token.strip():
        raise PayPalError("AUTHENTICATION_FAILURE")
    with state.lock:
        token = state.tokens.get(raw_token.strip())
        if token is None or token.revoked:
            raise InvalidToken("Token signature verification failed")
        if token.expires_at <= state.clock.now():
            raise InvalidToken("Access Token not found in cache")
        return token


def create_auth_blueprint(state: SimulatorState, pipeline: Pipeline) -> Blueprint:
    blueprint = Blueprint("paypal_auth", __name__)

    @blueprint.post("/v1/oauth2/token")
    def token_route() -> Response:
        return pipeline.run("token", token, authenticated=False)

    def token() -> Response:
        credentials = _basic_credentials()
        settings = state.settings
        if (
            credentials is None
            or not hmac.compare_digest(credentials[0], settings.client_id)
            or not hmac.compare_digest(credentials[1], settings.client_secret)
        ):
            return _oauth_error(401, "invalid_client", "Client Authentication failed")
        grant_type = request.form.get("grant_type")
        if grant_type is None:
            return _oauth_error(400, "unsupported_grant_type", "Grant Type is NULL")
        if grant_type != "client_credentials":
            return _oauth_error(
                400, "unsupported_grant_type", f"Grant Type {grant_type} is not supported"
            )
        return json_response(issue_token(state))

    return blueprint
