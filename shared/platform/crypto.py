"""Tesla tokens encrypted at rest: AES-256-GCM with keys from Secret Manager.

Why AES-GCM with an application key rather than Cloud KMS envelope encryption (Tink): a session
lives 30 minutes (a paid order a few days), tokens are decrypted on every Tesla call batch, and a
KMS round trip per encrypt/decrypt would add latency and cost to the hot path and a service with
no emulator to the tests. The key is a Secret Manager secret injected as an environment variable,
so access is audited and rotated there. See docs/security.md.

Format of a ciphertext: ``v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>``. The key id (the
first 8 bytes of SHA-256 of the key, hex) travels with the ciphertext, so after a rotation the
old key, kept in ``CPT_TOKEN_ENCRYPTION_PREVIOUS_KEYS``, still opens live sessions while new
writes use the new key. Associated data binds a ciphertext to its session and purpose, so a
token copied into another session's document does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Sequence
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_VERSION = "v1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A ciphertext could not be opened (unknown key, tampered, or bound to other data)."""


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:16]


def parse_key(encoded: str) -> bytes:
    """A 32-byte key from its base64 (standard or url-safe) text."""
    try:
        key = base64.urlsafe_b64decode(encoded.strip().replace("+", "-").replace("/", "_"))
    except (binascii.Error, ValueError):
        raise ValueError("a token encryption key must be base64") from None
    if len(key) != 32:
        raise ValueError("a token encryption key must be 32 bytes (AES-256)")
    return key


class TokenCipher:
    """Encrypts with the current key; decrypts with any key it knows by id."""

    def __init__(self, current_key: bytes, previous_keys: Sequence[bytes] = ()) -> None:
        self._current_id = key_id(current_key)
        self._keys = {key_id(key): AESGCM(key) for key in (*previous_keys, current_key)}

    @property
    def current_key_id(self) -> str:
        return self._current_id

    def encrypt(self, plaintext: str, *, associated_data: str) -> str:
        nonce = os.urandom(NONCE_BYTES)  # random 96-bit nonce: safe for far more than 2^32 uses
        sealed = self._keys[self._current_id].encrypt(
            nonce, plaintext.encode(), associated_data.encode()
        )
        body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{FORMAT_VERSION}.{self._current_id}.{body}"

    def decrypt(self, ciphertext: str, *, associated_data: str) -> str:
        try:
            version, kid, body = ciphertext.split(".", 2)
        except ValueError:
            raise DecryptionError("not a token ciphertext") from None
        if version != FORMAT_VERSION:
            raise DecryptionError(f"unknown ciphertext version {version!r}")
        aead = self._keys.get(kid)
        if aead is None:
            raise DecryptionError(f"no key with id {kid}")
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            opened = aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated_data.encode())
        except (binascii.Error, ValueError, InvalidTag):
            raise DecryptionError("ciphertext does not open with its key") from None
        return opened.decode()

    def needs_rotation(self, ciphertext: str) -> bool:
        """True when a ciphertext was sealed with an older key."""
        return ciphertext.split(".", 2)[1:2] != [self._current_id]


@lru_cache(maxsize=1)
def token_cipher() -> TokenCipher:
    """The process-wide cipher, from settings (read once per instance)."""
    from shared.platform.settings import get_settings

    settings = get_settings()
    previous = [
        parse_key(text)
        for text in settings.token_encryption_previous_keys.get_secret_value().split(",")
        if text.strip()
    ]
    return TokenCipher(parse_key(settings.token_encryption_key.get_secret_value()), previous)
