"""The customer key: a pseudonym of the car account, from the access token's subject (pure)."""

from __future__ import annotations

import base64
import json
import re

import pytest

from shared.connect.customers import customer_key, token_subject

USER = "7f5e5a4e-2c3b-4d8e-9f10-111213141516"


def _jwt(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256'})}.{part(claims)}.c2lnbmF0dXJl"


def test_one_account_one_key_whatever_the_token() -> None:
    first = customer_key("tesla", _jwt({"sub": USER, "jti": "1", "email": "a@example.test"}))
    second = customer_key("tesla", _jwt({"sub": USER, "jti": "2"}))
    assert first == second and first is not None and re.fullmatch(r"[0-9a-f]{64}", first)
    assert customer_key("tesla", _jwt({"sub": USER.replace("7", "8")})) != first
    # Neither the account id nor the email is in the key (nor recoverable from it).
    assert USER not in first and "example" not in first


def test_the_brand_is_part_of_the_key() -> None:
    assert customer_key("tesla", _jwt({"sub": USER})) != customer_key("other", _jwt({"sub": USER}))


@pytest.mark.parametrize(
    "token",
    ["opaque-token", "a.b", "a.!!!.c", _jwt({"jti": "1"}), _jwt({"sub": ""}), _jwt({"sub": 5})],
)
def test_a_token_naming_no_account_gives_no_key(token: str) -> None:
    assert token_subject(token) is None and customer_key("tesla", token) is None
