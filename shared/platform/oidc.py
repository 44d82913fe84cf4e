"""Verify the OIDC token Cloud Tasks sends with each task, in code.

Ingress and IAM keep strangers away from the worker in the cloud, but the worker also checks the
token itself (defence in depth, and the only check there is locally): RS256 signature against the
issuer's published keys, issuer, audience (the worker's full URL, as the task sets it), expiry,
and that the token names the tasks service account with a verified email. In the cloud the keys
are Google's (``https://www.googleapis.com/oauth2/v3/certs``, the only URL settings accept
outside ``local``); locally the Cloud Tasks emulator serves its own at the same path.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared.platform import errors

if TYPE_CHECKING:
    from jwt import PyJWKClient

logger = logging.getLogger(__name__)

GOOGLE_ISSUERS = ("https://accounts.google.com", "accounts.google.com")
KEYS_CACHE_S = 3600  # Google rotates its signing keys over days; an unknown kid refetches anyway
KEYS_FETCH_TIMEOUT_S = 10
CLOCK_SKEW_S = 30
MAX_TOKEN_CHARS = 8192  # Google ID tokens are ~1 KB; anything far larger is not one

_clients: dict[str, PyJWKClient] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Caller:
    """Who a verified token says sent the request."""

    email: str
    subject: str


def verify_bearer(
    authorization: str | None, *, certs_url: str, audience: str, service_account: str
) -> Caller:
    """The verified caller of an ``Authorization: Bearer <JWT>`` header.

    401 when the token is missing, malformed, badly signed, expired, or for another audience or
    issuer; 403 when it is valid but names another service account (or an unverified email);
    503 when the keys cannot be fetched (Cloud Tasks retries the delivery).
    """
    import jwt

    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_CHARS:
        raise errors.Unauthorized("A Cloud Tasks OIDC token is required.")
    try:
        key = _keys(certs_url).get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            audience=audience,
            issuer=GOOGLE_ISSUERS,
            leeway=CLOCK_SKEW_S,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.PyJWKClientConnectionError:
        logger.warning("task token not checked: the signing keys could not be fetched")
        raise errors.UpstreamUnavailable(
            "The token's signing keys are unavailable; try again."
        ) from None
    except (jwt.PyJWTError, ValueError) as error:
        # The reason goes to the log (never the token); the caller learns only that it failed.
        logger.info(
            "task token refused: %s",
            type(error).__name__,
            extra={"fields": {"token_error": type(error).__name__}},
        )
        raise errors.Unauthorized("The Cloud Tasks OIDC token is not valid.") from None
    email = claims.get("email")
    if email != service_account or claims.get("email_verified") is not True:
        raise errors.Forbidden("This token is not the tasks service account's.")
    return Caller(email=str(email), subject=str(claims["sub"]))


def _keys(certs_url: str) -> PyJWKClient:
    # One key client per URL and instance: keys are fetched once and reused across requests.
    from jwt import PyJWKClient

    with _lock:
        client = _clients.get(certs_url)
        if client is None:
            client = PyJWKClient(
                certs_url, cache_keys=True, lifespan=KEYS_CACHE_S, timeout=KEYS_FETCH_TIMEOUT_S
            )
            _clients[certs_url] = client
        return client


def forget_keys() -> None:
    """Drop cached key clients (tests that rotate the emulator's keys)."""
    with _lock:
        _clients.clear()
