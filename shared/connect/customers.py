"""Who the customer is, as far as a voucher limited per customer needs to know.

The customer is the car account behind the connection: for Tesla, the ``sub`` claim of the access
token (the account's user UUID, the same for every token of the account). The key stored on the
order session is a SHA-256 of that id with a fixed prefix naming the brand, never the id itself
nor any email: enough to count one customer's uses of a voucher, not to name them. The id is a
random UUID, so the hash cannot be reversed by trying likely values (as an email could be).

The token is read without checking its signature: it is the answer of our own code exchange with
the brand's token endpoint over TLS, never something a browser sent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

# Bump the version to start every customer's count afresh (e.g. a change of the id used).
_KEY_PREFIX = "cpt-customer:v1"


def customer_key(brand: str, access_token: str) -> str | None:
    """The pseudonymous customer key of the account behind ``access_token``; None if the token
    names no account (then per-customer vouchers are refused for this order)."""
    subject = token_subject(access_token)
    if subject is None:
        return None
    return hashlib.sha256(f"{_KEY_PREFIX}:{brand}:{subject}".encode()).hexdigest()


def token_subject(access_token: str) -> str | None:
    """The ``sub`` claim of a JWT access token (not verified: see the module docstring)."""
    parts = access_token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    subject = claims.get("sub") if isinstance(claims, dict) else None
    return subject if isinstance(subject, str) and subject.strip() else None
