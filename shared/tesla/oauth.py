"""Tesla OAuth for third-party apps: the authorize URL, the code exchange, token refresh.

PKCE (S256) is used on every authorization even though Tesla requires it only of public clients:
it ties the code to the browser flow that started it. The token endpoint takes form-encoded
bodies; refresh sends no client secret (Tesla's documented shape).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import jwt
import requests

from shared.platform.settings import Settings
from shared.tesla.errors import TeslaAuthRejected, TeslaUnavailable


@dataclass(frozen=True)
class TeslaTokens:
    access_token: str
    refresh_token: str | None
    expires_at: datetime
    scopes: tuple[str, ...]
    region_hint: str | None  # from the access token's ou_code claim; a hint only

    def __repr__(self) -> str:  # never print a token, even by accident
        return f"TeslaTokens(expires_at={self.expires_at.isoformat()}, scopes={self.scopes})"


def authorize_url(settings: Settings, *, state: str, code_challenge: str) -> str:
    query = {
        "response_type": "code",
        "client_id": settings.tesla_client_id,
        "redirect_uri": settings.tesla_redirect_uri,
        "scope": settings.tesla_scopes,
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
        "prompt_missing_scopes": "true",
    }
    return f"{settings.tesla_auth_url}/authorize?{urlencode(query)}"


def exchange_code(
    settings: Settings, http: requests.Session, *, code: str, code_verifier: str, audience: str
) -> TeslaTokens:
    return _token_request(
        settings,
        http,
        {
            "grant_type": "authorization_code",
            "client_id": settings.tesla_client_id,
            "client_secret": settings.tesla_client_secret.get_secret_value(),
            "code": code,
            "code_verifier": code_verifier,
            "redirect_uri": settings.tesla_redirect_uri,
            "audience": audience,
        },
    )


def refresh(settings: Settings, http: requests.Session, *, refresh_token: str) -> TeslaTokens:
    return _token_request(
        settings,
        http,
        {
            "grant_type": "refresh_token",
            "client_id": settings.tesla_client_id,
            "refresh_token": refresh_token,
        },
    )


def client_credentials(
    settings: Settings, http: requests.Session, *, audience: str, scope: str
) -> TeslaTokens:
    """A partner token for our app (no user): what Tesla wants on the specs endpoint."""
    return _token_request(
        settings,
        http,
        {
            "grant_type": "client_credentials",
            "client_id": settings.tesla_client_id,
            "client_secret": settings.tesla_client_secret.get_secret_value(),
            "scope": scope,
            "audience": audience,
        },
    )


def _token_request(settings: Settings, http: requests.Session, form: dict[str, str]) -> TeslaTokens:
    try:
        response = http.post(
            f"{settings.tesla_auth_url}/token", data=form, timeout=settings.tesla_timeout_s
        )
    except requests.RequestException as error:
        raise TeslaUnavailable(f"token endpoint unreachable: {type(error).__name__}") from None
    if response.status_code >= 500:
        raise TeslaUnavailable(f"token endpoint answered {response.status_code}")
    body = _json_object(response)
    if response.status_code >= 400:
        reason = str(body.get("error") or "unknown_error")[:64]
        if reason == "server_error":  # Tesla reports its own failures as 400 server_error
            raise TeslaUnavailable("token endpoint answered server_error")
        raise TeslaAuthRejected(reason, response.status_code)
    access = body.get("access_token")
    if not isinstance(access, str) or not access:
        raise TeslaUnavailable("token endpoint answered without an access token")
    claims = _unverified_claims(access)
    lifetime = body.get("expires_in")
    expires_at = (
        datetime.now(UTC) + timedelta(seconds=int(lifetime))
        if isinstance(lifetime, int | float)
        else datetime.fromtimestamp(int(claims.get("exp", 0)), UTC)
    )
    scopes = claims.get("scp") or str(body.get("scope", "")).split()
    ou_code = claims.get("ou_code")
    return TeslaTokens(
        access_token=access,
        refresh_token=body.get("refresh_token") or None,
        expires_at=expires_at,
        scopes=tuple(str(scope) for scope in scopes),
        region_hint=ou_code.lower() if isinstance(ou_code, str) else None,
    )


def _unverified_claims(access_token: str) -> dict[str, Any]:
    """The access token's claims. Only Tesla can verify it; we read scopes and region hints."""
    try:
        return jwt.decode(access_token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}


def _json_object(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
