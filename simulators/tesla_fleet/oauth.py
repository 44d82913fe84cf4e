"""Tesla's OAuth 2.0 endpoints: the consent page (/authorize) and the token endpoint.

Mirrors reference §2: region-prefixed codes and refresh tokens, single-use refresh tokens with a
24 h grace for the most recently used one, PKCE checked when a challenge was sent, JWT access
tokens carrying ``scp``, ``ou_code`` and ``aud``. Auth calls are never billed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import jwt
from flask import Blueprint, Response, redirect, request

from simulators.routing import Routes

from .responses import json_response, region_from_audience, regional_base_url, root_url
from .state import (
    AccessTokenRecord,
    AuthCode,
    AutoConsent,
    RefreshTokenRecord,
    SimulatorState,
)

JWT_ALGORITHM = "HS256"
GRANT_TYPES = ("authorization_code", "client_credentials", "refresh_token")


@dataclass(frozen=True)
class TokenError(Exception):
    status: int
    error: str
    description: str


def token_error_response(failure: TokenError) -> Response:
    body = {
        "error": failure.error,
        "error_description": failure.description,
        "referenceID": str(uuid.uuid4()),
    }
    return json_response(body, failure.status)


# ------------------------------------------------------------------------------------------------
# Access tokens
# ------------------------------------------------------------------------------------------------


def mint_access_token(
    state: SimulatorState,
    *,
    account: str | None,
    client_id: str,
    scopes: list[str],
    region: str,
    paired_refresh_token: str | None = None,
) -> tuple[str, int]:
    settings = state.settings
    now = int(state.clock.now())
    lifetime = settings.access_token_ttl_seconds
    jti = uuid.uuid4().hex
    root = root_url(settings)
    claims: dict[str, Any] = {
        "iss": f"{root}/oauth2/v3/nts",
        "azp": client_id,
        "sub": state.accounts[account].user_uuid if account else client_id,
        "aud": [regional_base_url(settings, region), f"{root}/oauth2/v3/userinfo"],
        "scp": scopes,
        "amr": ["pwd", "mfa", "otp"] if account else [],
        "exp": now + lifetime,
        "iat": now,
        "auth_time": now,
        "ou_code": region.upper(),
        "locale": "en-US",
        "account_type": "person" if account else "business",
        "jti": jti,
    }
    state.access_tokens[jti] = AccessTokenRecord(
        jti=jti,
        account=account,
        client_id=client_id,
        scopes=list(scopes),
        expires_at=now + lifetime,
        paired_refresh_token=paired_refresh_token,
    )
    return jwt.encode(claims, settings.jwt_secret, algorithm=JWT_ALGORITHM), lifetime


def verify_access_token(state: SimulatorState, raw_token: str) -> AccessTokenRecord | str:
    """The token's record, or the Fleet API's 401 error string."""
    try:
        claims = jwt.decode(
            raw_token,
            state.settings.jwt_secret,
            algorithms=[JWT_ALGORITHM],
            # Expiry is judged on the simulated clock below, never on wall time.
            options={
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "verify_aud": False,
            },
        )
    except jwt.PyJWTError:
        return "invalid bearer token"
    record = state.access_tokens.get(str(claims.get("jti")))
    if record is None:
        return "invalid bearer token"  # minted before a reset, or never by us
    if record.revoked or state.clock.now() >= record.expires_at:
        return "token expired (401)"
    return record


def _mint_id_token(state: SimulatorState, account: str, client_id: str, nonce: str | None) -> str:
    now = int(state.clock.now())
    spec = state.accounts[account]
    claims: dict[str, Any] = {
        "iss": f"{root_url(state.settings)}/oauth2/v3",
        "aud": client_id,
        "sub": spec.user_uuid,
        "email": spec.email,
        "email_verified": True,
        "name": spec.full_name,
        "iat": now,
        "exp": now + state.settings.access_token_ttl_seconds,
    }
    if nonce:
        claims["nonce"] = nonce
    return jwt.encode(claims, state.settings.jwt_secret, algorithm=JWT_ALGORITHM)


def _issue_refresh_token(
    state: SimulatorState, account: str, client_id: str, scopes: list[str], region: str
) -> str:
    now = state.clock.now()
    # The region prefix (EU_/NA_) is a real, if unreliable, region hint that clients parse.
    token = f"{region.upper()}_{secrets.token_hex(32)}"
    state.refresh_tokens[token] = RefreshTokenRecord(
        token=token,
        account=account,
        client_id=client_id,
        scopes=list(scopes),
        audience_region=region,
        issued_at=now,
        expires_at=now + state.settings.refresh_token_ttl_seconds,
    )
    return token


def _token_bundle(
    state: SimulatorState,
    account: str,
    client_id: str,
    scopes: list[str],
    region: str,
    *,
    nonce: str | None,
    oauth_state: str | None,
) -> dict[str, Any]:
    refresh_token = (
        _issue_refresh_token(state, account, client_id, scopes, region)
        if "offline_access" in scopes
        else None
    )
    access_token, lifetime = mint_access_token(
        state,
        account=account,
        client_id=client_id,
        scopes=scopes,
        region=region,
        paired_refresh_token=refresh_token,
    )
    bundle: dict[str, Any] = {"access_token": access_token}
    if refresh_token:
        bundle["refresh_token"] = refresh_token
    if "openid" in scopes:
        bundle["id_token"] = _mint_id_token(state, account, client_id, nonce)
    bundle.update({"expires_in": lifetime, "token_type": "Bearer"})
    if oauth_state is not None:
        bundle["state"] = oauth_state
    return bundle


# ------------------------------------------------------------------------------------------------
# Grants
# ------------------------------------------------------------------------------------------------


def _check_client(state: SimulatorState, params: dict[str, str], secret_required: bool) -> str:
    client_id = params.get("client_id", "")
    secret = params.get("client_secret")
    settings = state.settings
    secret_ok = (secret is None and not secret_required) or (
        secret is not None and hmac.compare_digest(secret, settings.client_secret)
    )
    if client_id != settings.client_id or not secret_ok:
        raise TokenError(
            400,
            "unauthorized_client",
            "We don't recognize this client_id and client_secret combination",
        )
    return client_id


def _audience_region(state: SimulatorState, params: dict[str, str], fallback: str) -> str:
    audience = params.get("audience")
    if not audience:
        if state.settings.require_audience:
            raise TokenError(400, "invalid_request", "audience is required")
        return fallback
    region = region_from_audience(audience, state.settings)
    if region is None:
        raise TokenError(400, "invalid_request", f"unknown audience {audience}")
    return region


def _pkce_matches(code: AuthCode, verifier: str | None) -> bool:
    if code.code_challenge is None:
        return True  # PKCE is optional for confidential clients
    if not verifier:
        return False
    if code.code_challenge_method == "plain":
        computed = verifier
    else:
        digest = hashlib.sha256(verifier.encode("ascii", errors="replace")).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(computed, code.code_challenge)


def _grant_authorization_code(state: SimulatorState, params: dict[str, str]) -> dict[str, Any]:
    client_id = _check_client(state, params, secret_required=True)
    code = state.auth_codes.get(params.get("code", ""))
    now = state.clock.now()
    if code is None or code.used or code.client_id != client_id or now >= code.expires_at:
        raise TokenError(400, "invalid_auth_code", "The authorization code is invalid or expired")
    if params.get("redirect_uri") != code.redirect_uri:
        raise TokenError(
            400, "invalid_redirect_url", "redirect_uri does not match the one used to authorize"
        )
    if not _pkce_matches(code, params.get("code_verifier")):
        # Tesla's PKCE failure body is undocumented; this is the RFC 7636 error.
        raise TokenError(400, "invalid_grant", "code_verifier does not match code_challenge")
    region = _audience_region(state, params, fallback=code.audience_region)
    code.used = True
    return _token_bundle(
        state,
        code.account,
        client_id,
        code.scopes,
        region,
        nonce=code.nonce,
        oauth_state=code.state,
    )


def _grant_refresh_token(state: SimulatorState, params: dict[str, str]) -> dict[str, Any]:
    # Tesla's refresh sends client_id and refresh_token only; a secret, if sent, must be right.
    client_id = _check_client(state, params, secret_required=False)
    record = state.refresh_tokens.get(params.get("refresh_token", ""))
    now = state.clock.now()
    settings = state.settings
    if (
        record is None
        or record.client_id != client_id
        or record.revoked
        or now >= record.expires_at
        or (
            record.used_at is not None
            and now - record.used_at >= settings.refresh_token_grace_seconds
        )
    ):
        raise TokenError(401, "login_required", "Login required")
    if record.used_at is None:
        record.used_at = now
    if settings.revoke_access_tokens_on_refresh:
        for access in state.access_tokens.values():
            if access.paired_refresh_token == record.token:
                access.revoked = True
    return _token_bundle(
        state,
        record.account,
        client_id,
        record.scopes,
        record.audience_region,
        nonce=None,
        oauth_state=None,
    )


def _grant_client_credentials(state: SimulatorState, params: dict[str, str]) -> dict[str, Any]:
    client_id = _check_client(state, params, secret_required=True)
    allowed = state.settings.allowed_scopes
    requested = params.get("scope", "").split() or [
        s for s in allowed if s not in ("offline_access",)
    ]
    scopes = [scope for scope in requested if scope in allowed]
    region = _audience_region(state, params, fallback="eu")
    access_token, lifetime = mint_access_token(
        state, account=None, client_id=client_id, scopes=scopes, region=region
    )
    return {"access_token": access_token, "expires_in": lifetime, "token_type": "Bearer"}


def _request_params() -> dict[str, str]:
    """Tesla accepts form-encoded bodies and (in practice) JSON bodies."""
    if request.is_json:
        body = request.get_json(silent=True) or {}
        return {str(k): str(v) for k, v in body.items() if v is not None}
    return {k: v for k, v in request.form.items()}


# ------------------------------------------------------------------------------------------------
# Authorize (consent)
# ------------------------------------------------------------------------------------------------


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def _error_page(message: str, status: int = 400) -> Response:
    body = (
        '<!doctype html><title>Tesla sign-in error</title><link rel="icon" href="data:,">'
        "<h1>Error</h1>"
        f"<p>{html.escape(message)}</p>"
    )
    return Response(body, status=status, mimetype="text/html")


def _consent_page(state: SimulatorState, params: dict[str, str], scopes: list[str]) -> Response:
    account_rows = "".join(
        f'<label><input type="radio" name="account" value="{html.escape(name)}"'
        f"{' checked' if index == 1 else ''}> <b>{html.escape(name)}</b> — "
        f"{html.escape(spec.full_name)} ({spec.region.upper()}, {len(spec.vehicles)} cars)"
        "</label><br>"
        for index, (name, spec) in enumerate(state.accounts.items())
    )
    scope_rows = "".join(
        f'<label><input type="checkbox" name="granted_scope" value="{html.escape(scope)}" checked>'
        f" {html.escape(scope)}</label><br>"
        for scope in scopes
    )
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(key)}" value="{html.escape(value)}">'
        for key, value in params.items()
    )
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Sign in - Tesla Fleet API simulator</title>
<link rel="icon" href="data:,"></head>
<body style="font-family:sans-serif;max-width:40em;margin:2em auto">
<h1>Tesla Fleet API simulator</h1>
<p>Application <code>{html.escape(params.get("client_id", ""))}</code> asks for access.</p>
<form method="post" action="">
{hidden}
<fieldset><legend>Demo account</legend>{account_rows}</fieldset>
<fieldset><legend>Allow</legend>{scope_rows}</fieldset>
<button type="submit" name="decision" value="approve" id="approve">Allow</button>
<button type="submit" name="decision" value="deny" id="deny">Cancel</button>
</form></body></html>"""
    return Response(page, mimetype="text/html")


def _resolve_account(state: SimulatorState, hint: str | None) -> str | None:
    if not hint:
        return None
    lowered = hint.strip().lower()
    for name, spec in state.accounts.items():
        if lowered in (name, spec.email):
            return name
    return None


def _finish_authorization(
    state: SimulatorState,
    params: dict[str, str],
    account: str | None,
    approve: bool,
    scopes: list[str],
) -> Response:
    redirect_uri = params["redirect_uri"]
    if not approve or account is None:
        return redirect(
            _with_query(
                redirect_uri,
                {
                    "error": "access_denied",
                    "error_description": "The user denied the request",
                    "state": params.get("state", ""),
                },
            )
        )
    code_value = f"{state.account_regions[account].upper()}_{secrets.token_hex(24)}"
    state.auth_codes[code_value] = AuthCode(
        code=code_value,
        account=account,
        client_id=params["client_id"],
        redirect_uri=redirect_uri,
        scopes=scopes,
        state=params.get("state", ""),
        nonce=params.get("nonce"),
        code_challenge=params.get("code_challenge"),
        code_challenge_method=params.get(
            "code_challenge_method", "plain" if params.get("code_challenge") else None
        ),
        audience_region=state.account_regions[account],
        expires_at=state.clock.now() + state.settings.auth_code_ttl_seconds,
    )
    return redirect(
        _with_query(
            redirect_uri,
            {
                "code": code_value,
                "state": params.get("state", ""),
                "issuer": f"{root_url(state.settings)}/oauth2/v3",
                "locale": params.get("locale", "en-US"),
            },
        )
    )


def _validate_authorize(state: SimulatorState, params: dict[str, str]) -> Response | list[str]:
    """Requested scopes clipped to the app's, or the error response to send."""
    settings = state.settings
    if params.get("client_id") != settings.client_id:
        return _error_page("Unknown client_id")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in settings.redirect_uris:
        # Never redirect to an unregistered URI (RFC 6749 §4.1.2.1).
        return _error_page(f"redirect_uri {redirect_uri!r} is not registered for this client")

    def fail(error: str, description: str) -> Response:
        return redirect(
            _with_query(
                redirect_uri,
                {
                    "error": error,
                    "error_description": description,
                    "state": params.get("state", ""),
                },
            )
        )

    if params.get("response_type") != "code":
        return fail("unsupported_response_type", "response_type must be code")
    if not params.get("scope"):
        return fail("invalid_request", "scope is required")
    if not params.get("state"):
        return fail("invalid_request", "state is required")
    method = params.get("code_challenge_method")
    if method and (method not in ("S256", "plain") or not params.get("code_challenge")):
        return fail(
            "invalid_request", "unsupported code_challenge_method or missing code_challenge"
        )
    return [scope for scope in params["scope"].split() if scope in settings.allowed_scopes]


routes = Routes()


class OAuthApi:
    """Tesla's OAuth endpoints over one simulator's state."""

    def __init__(self, state: SimulatorState) -> None:
        self.state = state

    @routes.get("/oauth2/v3/authorize")
    def authorize(self) -> Response:
        state = self.state
        params = {k: v for k, v in request.args.items()}
        with state.lock:
            validated = _validate_authorize(state, params)
            if isinstance(validated, Response):
                return validated
            scopes = validated
            hinted = _resolve_account(state, params.get("login_hint"))
            if hinted is not None:
                # Headless path for tests: login_hint picks the account; sim_decision=deny declines.
                approve = params.get("sim_decision", "approve") != "deny"
                return _finish_authorization(state, params, hinted, approve, scopes)
            consent = state.auto_consent
            if consent is not None:
                if consent.once:
                    state.auto_consent = None
                granted = [s for s in scopes if consent.scopes is None or s in consent.scopes]
                return _finish_authorization(
                    state, params, consent.account, consent.approve, granted
                )
            return _consent_page(state, params, scopes)

    @routes.post("/oauth2/v3/authorize")
    def authorize_submit(self) -> Response:
        state = self.state
        form = request.form
        params = {
            k: v for k, v in form.items() if k not in ("account", "decision", "granted_scope")
        }
        with state.lock:
            validated = _validate_authorize(state, params)
            if isinstance(validated, Response):
                return validated
            granted = set(form.getlist("granted_scope"))
            scopes = [scope for scope in validated if scope in granted]
            account = _resolve_account(state, form.get("account"))
            approve = form.get("decision") == "approve"
            return _finish_authorization(state, params, account, approve, scopes)

    @routes.post("/oauth2/v3/token")
    def token(self) -> Response:
        state = self.state
        params = _request_params()
        outcome = state.faults.evaluate("token", None)
        if outcome.latency_seconds:
            time.sleep(outcome.latency_seconds)
        if outcome.failing_rule is not None:
            rule = outcome.failing_rule
            headers = {"Retry-After": str(rule.retry_after_seconds)} if rule.status == 429 else None
            return json_response(
                {"error": rule.error or "server_error", "error_description": "Injected fault"},
                rule.status,
                headers,
            )
        grant_type = params.get("grant_type")
        grants = {
            "authorization_code": _grant_authorization_code,
            "refresh_token": _grant_refresh_token,
            "client_credentials": _grant_client_credentials,
        }
        with state.lock:
            try:
                if grant_type not in grants:
                    raise TokenError(
                        400, "unsupported_grant_type", f"Use one of: {', '.join(GRANT_TYPES)}"
                    )
                return json_response(grants[grant_type](state, params))
            except TokenError as failure:
                return token_error_response(failure)

    @routes.get("/oauth2/v3/thirdparty/.well-known/openid-configuration")
    def openid_configuration(self) -> Response:
        root = root_url(self.state.settings)
        return json_response(
            {
                "issuer": f"{root}/oauth2/v3",
                "authorization_endpoint": f"{root}/oauth2/v3/authorize",
                "token_endpoint": f"{root}/oauth2/v3/token",
                "grant_types_supported": list(GRANT_TYPES),
                "code_challenge_methods_supported": ["S256", "plain"],
                "response_types_supported": ["code"],
                "scopes_supported": self.state.settings.allowed_scopes,
            }
        )


def create_oauth_blueprint(state: SimulatorState) -> Blueprint:
    return routes.register(Blueprint("oauth", __name__), OAuthApi(state))


def set_auto_consent(state: SimulatorState, spec: dict[str, Any]) -> AutoConsent:
    account = _resolve_account(state, spec.get("account"))
    if account is None:
        raise ValueError(
            f"unknown account {spec.get('account')!r}; known: {sorted(state.accounts)}"
        )
    decision = spec.get("decision", "approve")
    if decision not in ("approve", "deny"):
        raise ValueError("decision must be approve or deny")
    scopes = spec.get("scopes")
    consent = AutoConsent(
        account=account,
        approve=decision == "approve",
        scopes=list(scopes) if scopes is not None else None,
        once=bool(spec.get("once", False)),
    )
    state.auto_consent = consent
    return consent
