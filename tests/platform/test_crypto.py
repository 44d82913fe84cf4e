"""Token encryption: AES-GCM, bound to its context, with key rotation by key id."""

from __future__ import annotations

import base64
import os

import pytest

from shared.platform.crypto import DecryptionError, TokenCipher, key_id, parse_key

OLD, NEW = os.urandom(32), os.urandom(32)


def test_round_trip_and_format():
    cipher = TokenCipher(NEW)
    sealed = cipher.encrypt("eyJ.secret.token", associated_data="session:abc:a")
    version, kid, _ = sealed.split(".", 2)
    assert (version, kid) == ("v1", key_id(NEW))
    assert "secret" not in sealed
    assert cipher.decrypt(sealed, associated_data="session:abc:a") == "eyJ.secret.token"


def test_nonces_differ_so_equal_tokens_do_not_look_equal():
    cipher = TokenCipher(NEW)
    assert cipher.encrypt("same", associated_data="x") != cipher.encrypt(
        "same", associated_data="x"
    )


def test_other_context_or_tampering_does_not_open():
    cipher = TokenCipher(NEW)
    sealed = cipher.encrypt("token", associated_data="session:a:a")
    with pytest.raises(DecryptionError):
        cipher.decrypt(sealed, associated_data="session:b:a")
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(DecryptionError):
        cipher.decrypt(flipped, associated_data="session:a:a")
    for garbage in ("", "v1.x", "v2.abc.def", f"v1.{key_id(NEW)}.!!!"):
        with pytest.raises(DecryptionError):
            cipher.decrypt(garbage, associated_data="session:a:a")


def test_rotation_keeps_old_ciphertexts_readable():
    sealed_with_old = TokenCipher(OLD).encrypt("token", associated_data="ctx")
    rotated = TokenCipher(NEW, previous_keys=[OLD])
    assert rotated.decrypt(sealed_with_old, associated_data="ctx") == "token"
    assert rotated.needs_rotation(sealed_with_old)
    fresh = rotated.encrypt("token", associated_data="ctx")
    assert not rotated.needs_rotation(fresh) and key_id(NEW) in fresh
    with pytest.raises(DecryptionError):
        TokenCipher(NEW).decrypt(sealed_with_old, associated_data="ctx")  # old key dropped


def test_parse_key_accepts_both_base64_alphabets_and_checks_length():
    key = os.urandom(32)
    assert parse_key(base64.b64encode(key).decode()) == key
    assert parse_key(base64.urlsafe_b64encode(key).decode()) == key
    with pytest.raises(ValueError, match="32 bytes"):
        parse_key(base64.b64encode(b"short").decode())
    with pytest.raises(ValueError):
        parse_key("***")
