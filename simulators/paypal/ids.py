"""Identifiers in PayPal's formats: 17-character order, capture and refund ids, dispute case ids,
13-character debug ids."""

from __future__ import annotations

import secrets
import string
import uuid

_UPPER_ALNUM = string.digits + string.ascii_uppercase


def _random_upper_alnum(length: int) -> str:
    return "".join(secrets.choice(_UPPER_ALNUM) for _ in range(length))


def order_id() -> str:
    """Like ``5O190127TN364715T``."""
    return _random_upper_alnum(17)


def capture_id() -> str:
    """Like ``3C679366HH908993F``."""
    return _random_upper_alnum(17)


def refund_id() -> str:
    """Like ``1JU08902781691411``."""
    return _random_upper_alnum(17)


def dispute_id() -> str:
    """Like ``PP-D-27803`` (PayPal's current case ids; older ones read ``PP-000-042-663-135``)."""
    return "PP-D-" + "".join(secrets.choice(string.digits) for _ in range(5))


def debug_id() -> str:
    """Like ``f4d8d7e8cd8f4``: what PayPal support asks for."""
    return secrets.token_hex(7)[:13]


def webhook_id() -> str:
    """Like ``8PT597110X687430LKGECATA`` (PayPal's ids of registered webhooks)."""
    return _random_upper_alnum(24)


def event_id() -> str:
    """Like ``WH-58D329510W468432D-8HN650336L201105X``."""
    return f"WH-{_random_upper_alnum(17)}-{_random_upper_alnum(17)}"


def transmission_id() -> str:
    """A UUID, as in PayPal's ``PAYPAL-TRANSMISSION-ID`` header."""
    return str(uuid.uuid1())


def access_token() -> str:
    """Opaque, like ``A21AAFEpH4PsADK7qSS7pSRsgzfENtu-Q1ysgEDVDESseMHBYXVJY...``."""
    return "A21AA" + secrets.token_urlsafe(72)
