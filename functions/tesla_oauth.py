"""POST /tesla/oauth/initiate and GET /tesla/oauth/callback — connect a car account."""

from __future__ import annotations

from datetime import UTC, datetime

import functions_framework
from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from functions.routes import endpoint
from shared.connect import flow as connect
from shared.connect.models import OAuthInitiateResponse
from shared.platform import rate_limits
from shared.platform.http import Call

# Longest code or state we pass on; anything longer is not from the brand.
MAX_CALLBACK_PARAM = 2048


def _limit(call: Call, name: str) -> None:
    rate_limits.enforce(
        call.settings,
        name=name,
        client=call.client_ip,
        limit=call.settings.oauth_rate_limit,
        window_s=call.settings.oauth_rate_window_s,
    )


@functions_framework.http
@endpoint("tesla_oauth_initiate")
def tesla_oauth_initiate(call: Call) -> OAuthInitiateResponse:
    _limit(call, "oauth_initiate")
    url = connect.start(
        call.settings,
        brand=call.body.brand,
        reconnect_session_id=call.body.session_id,
        now=datetime.now(UTC),
    )
    return OAuthInitiateResponse(authUrl=url)


@functions_framework.http
@endpoint("tesla_oauth_callback")
def tesla_oauth_callback(call: Call) -> Response:
    _limit(call, "oauth_callback")
    query = call.query
    too_long = any(len(value or "") > MAX_CALLBACK_PARAM for value in (query.code, query.state))
    outcome = (
        connect.CallbackOutcome(reason=connect.INVALID_STATE)
        if too_long
        else connect.finish(
            call.settings,
            code=query.code,
            state=query.state,
            error=query.error,
            now=datetime.now(UTC),
        )
    )
    response = redirect(connect.wui_redirect_url(call.settings, outcome), code=302)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the code must not leak onwards
    return response
