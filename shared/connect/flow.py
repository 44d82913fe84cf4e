"""Connect first: send the customer to their car brand's consent page, and take the answer.

``start`` stores a single-use OAuth state (with a PKCE verifier) and returns the brand's
authorize URL. ``finish`` runs when the brand redirects back: it consumes the state, exchanges
the code, lists the cars without waking them and creates the order session — or, for a
reconnect, replaces the tokens of an existing session (an order that is paid stays paid). Every
failure is a reason code for the WUI, never an exception: the browser is always sent back to the
configured WUI URL, never to a URL taken from the request.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from shared.cars.connection import Connection
from shared.connect import oauth_states
from shared.connect.brands import connector_for
from shared.connect.customers import customer_key
from shared.orders import order_state, sessions
from shared.orders.order_state import SessionStatus
from shared.platform.errors import ApiError, Conflict
from shared.platform.settings import Settings
from shared.platform.signals import Signal, signal
from shared.tesla.errors import TeslaAuthRejected, TeslaError

logger = logging.getLogger(__name__)

# Failure reasons the WUI understands (``?oauth=error&reason=…``).
NO_VEHICLES = "no_vehicles"
ACCESS_DENIED = "access_denied"
INVALID_STATE = "invalid_state"
EXPIRED_STATE = "expired_state"
TOKEN_EXCHANGE_FAILED = "token_exchange_failed"  # noqa: S105 (a reason code)
BRAND_UNAVAILABLE = "tesla_unavailable"
ACCOUNT_MISMATCH = "account_mismatch"
SESSION_GONE = "session_expired"

# Errors a brand's authorize endpoint may send back that mean "try later", not "declined".
_TRANSIENT_AUTHORIZE_ERRORS = {"server_error", "temporarily_unavailable"}


@dataclass(frozen=True)
class CallbackOutcome:
    session_id: str | None = None
    reason: str | None = None
    reconnected: bool = False

    def __repr__(self) -> str:  # the session id is a bearer token
        return f"CallbackOutcome(ok={self.reason is None}, reason={self.reason!r})"


def new_pkce_pair() -> tuple[str, str]:
    """A (code_verifier, S256 code_challenge) pair (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def start(
    settings: Settings, *, brand: str, reconnect_session_id: str | None, now: datetime
) -> str:
    """The brand's authorize URL for a new connection or a reconnect of an existing session."""
    if reconnect_session_id is not None:
        session = sessions.load_session(settings, reconnect_session_id, now=now)
        order_state.apply("reconnect", session.status)
        if session.brand != brand:
            raise Conflict(
                "This order belongs to another brand.", current_status=session.status.value
            )
    verifier, challenge = new_pkce_pair()
    state = oauth_states.begin(
        settings,
        brand=brand,
        code_verifier=verifier,
        reconnect_session_id=reconnect_session_id,
        now=now,
    )
    return connector_for(brand).authorize_url(settings, state=state, code_challenge=challenge)


def finish(
    settings: Settings,
    *,
    code: str | None,
    state: str | None,
    error: str | None,
    now: datetime,
) -> CallbackOutcome:
    """Everything the OAuth callback does; never raises for a bad or failed callback."""
    try:
        pending = oauth_states.consume(settings, state or "", now=now)
    except oauth_states.StateRejected as rejected:
        return _failed(rejected.reason)
    if error:
        return _failed(BRAND_UNAVAILABLE if error in _TRANSIENT_AUTHORIZE_ERRORS else ACCESS_DENIED)
    if not code:
        return _failed(TOKEN_EXCHANGE_FAILED)
    try:
        connection = connector_for(pending.brand).connect(
            settings, code=code, code_verifier=pending.code_verifier
        )
    except TeslaAuthRejected as rejected:
        logger.info("code exchange refused: %s", rejected.reason)
        return _failed(TOKEN_EXCHANGE_FAILED)
    except TeslaError as failure:
        logger.warning("brand unavailable during connect: %s", failure)
        return _failed(BRAND_UNAVAILABLE)
    if pending.reconnect_session_id:
        return _reconnect(settings, pending.reconnect_session_id, connection, now)
    if not connection.vehicles:
        return _failed(NO_VEHICLES)  # and no session: there is nothing to sell
    session_id, session = sessions.create_session(
        settings,
        brand=pending.brand,
        connection=connection,
        now=now,
        customer_key=customer_key(pending.brand, connection.access_token),
    )
    logger.info(
        "session created",
        extra={"fields": {"order_id": session.order_id, "vehicle_count": len(session.vehicles)}},
    )
    signal(
        Signal.ORDER_CONNECTED,
        order_id=session.order_id,
        vehicle_count=len(session.vehicles),
    )
    return CallbackOutcome(session_id=session_id)


def _reconnect(
    settings: Settings, session_id: str, connection: Connection, now: datetime
) -> CallbackOutcome:
    """Replace a session's tokens; the order keeps its status (a paid order stays paid)."""
    connected_vins = {vehicle.vin for vehicle in connection.vehicles}

    def replace_tokens(session: sessions.OrderSession) -> sessions.OrderSession:
        order_state.apply("reconnect", session.status)
        ours = session.selected_vehicles or session.vehicles
        if not ours or not {v.vin for v in ours} <= connected_vins:
            raise _AccountMismatch
        update: dict[str, object] = {
            "tokens": sessions.seal_tokens(session.session_key, connection),
            "region": connection.region,
        }
        if session.status == SessionStatus.CONNECTED:
            update["vehicles"] = list(connection.vehicles)  # nothing chosen yet: fresh list
        if session.status == SessionStatus.RECONNECT_REQUIRED:
            update["status"] = order_state.apply("resume_generation", session.status)
        return session.model_copy(update=update)

    try:
        session = sessions.update_session(settings, session_id, replace_tokens, now=now)
    except _AccountMismatch:
        return _failed(ACCOUNT_MISMATCH)
    except ApiError as refused:  # 404/410/409: the session can no longer be reconnected
        logger.info("reconnect refused: %s", refused.code)
        return _failed(SESSION_GONE)
    logger.info("session reconnected", extra={"fields": {"order_id": session.order_id}})
    if session.status == SessionStatus.GENERATING:
        from shared.delivery import generation

        generation.resume_after_reconnect(settings, session.session_key)  # no new payment
    return CallbackOutcome(session_id=session_id, reconnected=True)


class _AccountMismatch(Exception):
    """The reconnected account does not hold the order's cars."""


def _failed(reason: str) -> CallbackOutcome:
    logger.info("connect failed: %s", reason, extra={"fields": {"oauth_reason": reason}})
    return CallbackOutcome(reason=reason)


def wui_redirect_url(settings: Settings, outcome: CallbackOutcome) -> str:
    """Where the browser goes after the callback: always the configured WUI URL."""
    if outcome.reason is None:
        params = {"oauth": "success", "session_id": outcome.session_id or ""}
        if outcome.reconnected:
            params["reconnected"] = "1"
    else:
        params = {"oauth": "error", "reason": outcome.reason}
    separator = "&" if "?" in settings.wui_url else "?"
    return f"{settings.wui_url}{separator}{urlencode(params)}"
